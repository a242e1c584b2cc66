import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { SimpleKeyboard as Keyboard } from 'simple-keyboard';
import chinese from 'simple-keyboard-layouts/build/layouts/chinese';
import 'simple-keyboard/build/css/index.css';

/** Which keys a field needs: Chinese by pinyin, letters with digits and signs, a number pad, or a phone pad. */
export type KeyboardKind = 'chinese' | 'latin' | 'digits' | 'phone';

const LATIN = {
  default: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'q w e r t y u i o p', 'a s d f g h j k l', '{shift} z x c v b n m - _', ': / . @ , {space} {done}'],
  shift: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'Q W E R T Y U I O P', 'A S D F G H J K L', '{shift} Z X C V B N M - _', ': / . @ , {space} {done}'],
};
const PAD = { default: ['1 2 3', '4 5 6', '7 8 9', '{bksp} 0 {done}'] };
/** Pinyin letters bring up the candidate bar (simple-keyboard-layouts' dictionary); {abc} switches to letters. */
const CHINESE = {
  default: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'q w e r t y u i o p', 'a s d f g h j k l', 'z x c v b n m ， 。 ？', '{abc} {space} {done}'],
  abc: ['1 2 3 4 5 6 7 8 9 0 {bksp}', 'q w e r t y u i o p', 'a s d f g h j k l', 'z x c v b n m , . ?', '{zh} {space} {done}'],
};

/** The pinyin dictionary the Chinese layout ships (its typings omit it): pinyin → candidate characters. */
const PINYIN: Record<string, string> = (() => {
  const c: unknown = 'layoutCandidates' in chinese ? chinese.layoutCandidates : null;
  if (c === null || typeof c !== 'object') return {};
  return Object.fromEntries(Object.entries(c).filter((e): e is [string, string] => typeof e[1] === 'string'));
})();

function layoutOf(kind: KeyboardKind) {
  return kind === 'chinese' ? CHINESE : kind === 'latin' ? LATIN : PAD;
}

/**
 * The on-screen keyboard for touch-only terminals (simple-keyboard: framework-free, touch-ready, a candidate bar
 * for pinyin and a layouts package with a pinyin dictionary). It edits the value it is given and reports each
 * change; a physical keyboard keeps typing into the focused field as usual.
 */
export function OnScreenKeyboard(p: { kind: KeyboardKind; value: string; maxLength?: number; onChange: (v: string) => void; onDone: () => void }) {
  const { t } = useTranslation();
  const host = useRef<HTMLDivElement>(null);
  const board = useRef<Keyboard | null>(null);
  // The keyboard's handlers are made once; they reach the latest callbacks through this ref.
  const latest = useRef(p);
  useEffect(() => {
    latest.current = p;
  });
  useEffect(() => {
    if (!host.current) return;
    let layoutName = 'default';
    const kb = new Keyboard(host.current, {
      layout: layoutOf(p.kind),
      layoutName,
      ...(p.kind === 'chinese' ? { layoutCandidates: PINYIN, enableLayoutCandidates: true, layoutCandidatesPageSize: 8 } : {}),
      display: {
        '{bksp}': '⌫',
        '{shift}': '⇧',
        '{space}': t('keyboard.space'),
        '{done}': t('keyboard.done'),
        '{abc}': 'ABC',
        '{zh}': '中文',
      },
      mergeDisplay: true,
      ...(p.maxLength ? { maxLength: p.maxLength } : {}),
      // Keys keep the field focused: the field stays the one being typed into.
      preventMouseDownDefault: true,
      onChange: (input: string) => latest.current.onChange(input),
      onKeyPress: (button: string) => {
        if (button === '{done}') latest.current.onDone();
        else if (button === '{shift}' || button === '{abc}' || button === '{zh}') {
          layoutName = button === '{shift}' ? (layoutName === 'default' ? 'shift' : 'default') : button === '{abc}' ? 'abc' : 'default';
          // Letters typed in ABC mode are words, not pinyin: no candidates there.
          kb.setOptions({ layoutName, enableLayoutCandidates: p.kind === 'chinese' && layoutName === 'default' });
        }
      },
    });
    kb.setInput(latest.current.value);
    board.current = kb;
    return () => {
      board.current = null;
      kb.destroy();
    };
  }, [p.kind, p.maxLength, t]);
  // Typing on a physical keyboard changes the value outside the on-screen one: keep its copy in step.
  useEffect(() => {
    if (board.current && board.current.getInput() !== p.value) board.current.setInput(p.value);
  }, [p.value]);
  // simple-keyboard owns the element it draws in (class and contents): the group around it keeps its own attributes.
  return (
    <div className={`osk osk-${p.kind}`} role="group" aria-label={t('keyboard.label')} data-testid="on-screen-keyboard">
      <div className="simple-keyboard" ref={host} />
    </div>
  );
}
