import { useTranslation } from 'react-i18next';
import type { KeyboardKind } from './OnScreenKeyboard.js';
import { OnScreenKeyboard } from './LazyKeyboard.js';

/**
 * One field being typed on a touch screen: the field on top, the keyboard under it, nothing else, so the keyboard
 * never covers what is being typed (1280×800 and 800×1280 alike). A physical keyboard types into the same field.
 */
export function TypingPanel(p: {
  label: string;
  value: string;
  kind: KeyboardKind;
  maxLength: number;
  multiline?: boolean;
  onChange: (v: string) => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const common = {
    id: 'typing-field',
    value: p.value,
    maxLength: p.maxLength,
    autoFocus: true,
    autoComplete: 'off',
    spellCheck: false,
    onChange: (e: { target: { value: string } }) => p.onChange(p.kind === 'phone' ? e.target.value.replace(/\D/g, '') : e.target.value),
  } as const;
  return (
    <div className="typing-panel" role="dialog" aria-modal="true" aria-labelledby="typing-label">
      <div className="typing-field">
        <label id="typing-label" htmlFor="typing-field">
          {p.label}
        </label>
        {p.multiline ? (
          <textarea {...common} rows={2} />
        ) : (
          <input {...common} inputMode={p.kind === 'phone' ? 'numeric' : 'text'} type={p.kind === 'phone' ? 'tel' : 'text'} />
        )}
        <button type="button" className="btn primary" onClick={p.onDone}>
          {t('keyboard.done')}
        </button>
      </div>
      <OnScreenKeyboard kind={p.kind} value={p.value} maxLength={p.maxLength} onChange={p.onChange} onDone={p.onDone} />
    </div>
  );
}
