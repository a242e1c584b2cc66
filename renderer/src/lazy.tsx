import { lazy, Suspense, type ComponentProps } from 'react';
import { preloadKeyboard } from './keyboard/LazyKeyboard.js';

/*
 * What the first screen does not need stays out of the first script (docs/performance.md: at half a core, parsing
 * and compiling the one 500 kB script was most of the time to the first paint). The technician's screens are their
 * own chunks, loaded when first shown; the keyboard a citizen may need for a 差评's comment is fetched once the page
 * is idle, so the comment field does not wait for it.
 */
const LazyTechnicianScreens = lazy(() => import('./technician/TechnicianScreens.js').then((m) => ({ default: m.TechnicianScreens })));
const LazyPinPad = lazy(() => import('./technician/PinPad.js').then((m) => ({ default: m.PinPad })));

export function TechnicianScreens(p: ComponentProps<typeof LazyTechnicianScreens>) {
  return (
    <Suspense fallback={null}>
      <LazyTechnicianScreens {...p} />
    </Suspense>
  );
}

export function PinPad(p: ComponentProps<typeof LazyPinPad>) {
  return (
    <Suspense fallback={null}>
      <LazyPinPad {...p} />
    </Suspense>
  );
}

/** Once the first screen is up and the page has nothing to do: what a citizen may need next. */
export function preloadWhenIdle(): void {
  if ('requestIdleCallback' in window) window.requestIdleCallback(preloadKeyboard, { timeout: 10_000 });
  else setTimeout(preloadKeyboard, 2_000);
}
