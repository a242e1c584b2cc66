import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { SimpleKeyboard as Keyboard } from 'simple-keyboard';
import 'simple-keyboard/build/css/index.css';

/** Which keys a field needs: a number pad, or letters with digits and the signs URLs and ids use. */
export type KeyboardKind = 'digits' | 'latin';

const LAYOUTS: Record<KeyboardKind, Record<string, string[]>> = {
  latin: {
    default: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'q w e r t y u i o p', 'a s d f g h j k l', '{shift} z x c v b n m - _', ': / . @ , {space} {done}'],
    shift: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'Q W E R T Y U I O P', 'A S D F G H J K L', '{shift} Z X C V B N M - _', ': / . @ , {space} {done}'],
  },
  digits: { default: ['1 2 3', '4 5 6', '7 8 9', '{bksp} 0 {done}'] },
};

/**
 * The on-screen keyboard for touch-only terminals (simple-keyboard, chosen because it is framework-free, has
 * touch handling, candidate bars for pinyin, and a layouts package). It edits the value it is given; a physical
 * keyboard keeps typing into the focused field as usual.
 */
export function OnScreenKeyboard({ kind, value, onChange, onDone }: { kind: KeyboardKind; value: string; onChange: (v: string) => void; onDone: () => void }) {
  const { t } = useTranslation();
  const host = useRef<HTMLDivElement>(null);
  // The keyboard's handler is made once; it reads the latest value and callbacks through this ref.
  const latest = useRef({ value, onChange, onDone });
  useEffect(() => {
    latest.current = { value, onChange, onDone };
  });
  useEffect(() => {
    if (!host.current) return;
    let layoutName = 'default';
    const kb = new Keyboard(host.current, {
      layout: LAYOUTS[kind],
      layoutName,
      display: { '{bksp}': '⌫', '{shift}': '⇧', '{space}': t('keyboard.space'), '{done}': t('keyboard.done') },
      mergeDisplay: true,
      // Keys keep the field focused: the field stays the one being typed into.
      preventMouseDownDefault: true,
      onKeyPress: (button: string) => {
        const { value: v, onChange: change, onDone: done } = latest.current;
        if (button === '{bksp}') change(v.slice(0, -1));
        else if (button === '{space}') change(v + ' ');
        else if (button === '{done}') done();
        else if (button === '{shift}') {
          layoutName = layoutName === 'default' ? 'shift' : 'default';
          kb.setOptions({ layoutName });
        } else if (!button.startsWith('{')) change(v + button);
      },
    });
    return () => kb.destroy();
  }, [kind, t]);
  // simple-keyboard owns the element it draws in (class and contents): the group around it keeps its own attributes.
  return (
    <div className={`osk osk-${kind}`} role="group" aria-label={t('keyboard.label')} data-testid="on-screen-keyboard">
      <div className="simple-keyboard" ref={host} />
    </div>
  );
}
