import { lazy, Suspense, type ComponentProps } from 'react';

/*
 * The on-screen keyboard (simple-keyboard and its pinyin dictionary, 140 kB of the first script) is its own chunk,
 * loaded when a field is first typed into or once the page is idle (preloadKeyboard), not before the first paint.
 */
const load = () => import('./OnScreenKeyboard.js');
const Keyboard = lazy(() => load().then((m) => ({ default: m.OnScreenKeyboard })));

export function OnScreenKeyboard(p: ComponentProps<typeof Keyboard>) {
  return (
    <Suspense fallback={<div className="osk" aria-busy="true" />}>
      <Keyboard {...p} />
    </Suspense>
  );
}

export function preloadKeyboard(): void {
  void load().catch(() => undefined);
}
