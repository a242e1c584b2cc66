import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';
import { useTerminalNow } from '../hooks.js';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '', '0', '⌫'] as const;

/** The technician PIN pad: digits only, shown as dots; the terminal checks the PIN and counts wrong ones. */
export function PinPad({ technician, onClose }: { technician: TerminalView['technician']; onClose: () => void }) {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const [pin, setPin] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [failures, setFailures] = useState(0);
  const now = useTerminalNow(1000);
  const locked = technician.lockedUntil !== null && technician.lockedUntil > now;
  const press = (d: (typeof DIGITS)[number]) => {
    if (d === '⌫') setPin((p) => p.slice(0, -1));
    else if (d !== '' && pin.length < 12) setPin((p) => p + d);
  };
  const submit = async () => {
    // Cleared at once: digits typed while the terminal checks belong to the next try.
    const entered = pin;
    setPin('');
    const r = await send({ type: 'technicianPin', pin: entered });
    if (r.ok) return onClose();
    setFailures((n) => n + 1);
    setMessage(r.code === 'BAD_PIN' ? t('technician.badPin') : r.code === 'TECH_LOCKED' ? t('technician.locked') : r.message);
  };
  return (
    <div className="pinpad-backdrop" role="dialog" aria-modal="true" aria-label={t('technician.pinTitle')} data-failures={failures}>
      <div className="pinpad">
        <h2>{t('technician.pinTitle')}</h2>
        <div className="pin-dots" aria-label={t('technician.pinEntered', { count: pin.length })}>
          {'●'.repeat(pin.length) || '\u00a0'}
        </div>
        {locked && technician.lockedUntil !== null ? (
          <p className="pin-message" role="alert">
            {t('technician.lockedFor', { seconds: Math.ceil((technician.lockedUntil - now) / 1000) })}
          </p>
        ) : (
          message && (
            <p className="pin-message" role="alert">
              {message}
            </p>
          )
        )}
        <div className="pin-keys">
          {DIGITS.map((d, i) =>
            d === '' ? (
              <span key={i} />
            ) : (
              <button
                key={i}
                type="button"
                className="pin-key"
                aria-label={d === '⌫' ? t('technician.backspace') : d}
                onClick={() => press(d)}
                disabled={locked}
              >
                {d}
              </button>
            ),
          )}
        </div>
        <div className="pin-actions">
          <button type="button" className="secondary" onClick={onClose}>
            {t('technician.cancel')}
          </button>
          <button type="button" className="primary" disabled={locked || pin.length < 4} onClick={() => void submit()}>
            {t('technician.enter')}
          </button>
        </div>
      </div>
    </div>
  );
}
