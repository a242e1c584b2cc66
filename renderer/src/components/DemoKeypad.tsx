import { useTranslation } from 'react-i18next';
import { INVITE_KEY, KEYPAD_KEYS, PAUSE_RESUME_KEY, levelForKey } from '../../../device-drivers/keypad-keys.js';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';
import { useTerminalNow } from '../hooks.js';

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
      {KEYPAD_KEYS.map((key) => {
        const level = levelForKey(key);
        const name = key === INVITE_KEY ? t('demoKeypad.invite') : key === PAUSE_RESUME_KEY ? t('demoKeypad.pause') : String(key);
        return (
          <button
            key={key}
            type="button"
            className={`demo-key ${level ? `level-${level}` : 'staff-key'} ${lit === key ? 'lit' : ''}`}
            aria-label={t('demoKeypad.key', { name })}
            onClick={() => void send({ type: 'simulateKey', key })}
          >
            {name}
          </button>
        );
      })}
    </aside>
  );
}
