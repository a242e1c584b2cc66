import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';
import { useTerminalNow } from '../hooks.js';

const KEYS = [1, 2, 3, 4, 5, 0x10, 0x11] as const;
const LIT_MS = 1200;

/**
 * Demo only: the simulated keypad beside the screen. Its presses travel the real path (codec, link, driver),
 * and the key the terminal last received lights up.
 */
export function DemoKeypad({ keypad }: { keypad: NonNullable<TerminalView['keypad']> }) {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const now = useTerminalNow(250);
  const lit = keypad.lastKeyAt !== null && now - keypad.lastKeyAt < LIT_MS ? keypad.lastKey : null;
  return (
    <aside className="demo-keypad" aria-label={t('demoKeypad.title')}>
      <span className="demo-keypad-title">{t('demoKeypad.title')}</span>
      {KEYS.map((key) => (
        <button
          key={key}
          type="button"
          className={`demo-key ${key <= 5 ? `level-${6 - key}` : 'staff-key'} ${lit === key ? 'lit' : ''}`}
          aria-label={t('demoKeypad.key', { name: key === 0x10 ? t('demoKeypad.invite') : key === 0x11 ? t('demoKeypad.pause') : String(key) })}
          onClick={() => void send({ type: 'simulateKey', key })}
        >
          {key === 0x10 ? t('demoKeypad.invite') : key === 0x11 ? t('demoKeypad.pause') : key}
        </button>
      ))}
    </aside>
  );
}
