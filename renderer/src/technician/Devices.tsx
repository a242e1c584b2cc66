import { useTranslation } from 'react-i18next';
import type { DetectedPort, ProvisioningDraft, TechnicianSetup } from '../../../main/bridge/technician.js';
import { useUi } from '../context.js';

const PROMPTS = [1, 2, 3, 4, 5] as const;

/** Detected serial ports and HID devices (likely keypads first), pick one, watch keys and badges arrive, test the keypad. */
export function Devices({ setup }: { setup: TechnicianSetup }) {
  const { t } = useTranslation();
  const request = useUi((s) => s.request);
  const keypad = useUi((s) => s.view?.keypad ?? null);
  const use = (patch: ProvisioningDraft) => void request({ type: 'provisioningApply', draft: { ...setup.form, ...patch } });
  const useSerial = (p: DetectedPort) =>
    use({
      'devices.keypad.type': 'serial',
      'devices.keypad.path': p.path,
      'devices.keypad.baudRate': setup.form['devices.keypad.baudRate'] ?? '9600',
      'devices.keypad.address': setup.form['devices.keypad.address'] ?? '1',
    });
  const useHid = (p: DetectedPort) => {
    const [vendorId = '', productId = ''] = p.path.split(':');
    use({ 'devices.keypad.type': 'hid', 'devices.keypad.vendorId': vendorId, 'devices.keypad.productId': productId });
  };
  const current = setup.form['devices.keypad.type'] === 'serial' ? setup.form['devices.keypad.path'] : setup.form['devices.keypad.type'];
  return (
    <section className="tech-page tech-grid" aria-label={t('technician.tab.devices')}>
      <article className="tech-card" aria-labelledby="dev-ports">
        <h2 id="dev-ports">{t('technician.detected')}</h2>
        <p>
          {t('technician.keypadNow', { keypad: current ?? '—' })} ·{' '}
          {keypad ? (keypad.connected ? t('technician.connected') : t('technician.disconnected')) : t('technician.noKeypad')}
        </p>
        <button type="button" onClick={() => void request({ type: 'rescan' })}>
          {t('technician.rescan')}
        </button>
        <PortList title={t('technician.serialPorts')} ports={setup.ports.serial} onUse={useSerial} />
        <PortList title={t('technician.hidDevices')} ports={setup.ports.hid} onUse={useHid} />
      </article>
      <article className="tech-card" aria-labelledby="dev-live">
        <h2 id="dev-live">{t('technician.liveEvents')}</h2>
        <p>{t('technician.liveHint')}</p>
        <ul className="tech-list" data-testid="tech-inputs">
          {setup.inputs.map((e) => (
            <li key={`${String(e.at)}-${e.what}`}>
              {new Date(e.at).toLocaleTimeString()} · {t(`technician.source.${e.source}`)} · {e.what}
            </li>
          ))}
        </ul>
      </article>
      <article className="tech-card" aria-labelledby="dev-tests">
        <h2 id="dev-tests">{t('technician.tests')}</h2>
        <div className="tech-buttons">
          <button type="button" onClick={() => void request({ type: 'deviceTest', what: 'leds' })}>
            {t('technician.testLeds')}
          </button>
          <button type="button" onClick={() => void request({ type: 'deviceTest', what: 'lcd' })}>
            {t('technician.testLcd')}
          </button>
          {PROMPTS.map((n) => (
            <button key={n} type="button" onClick={() => void request({ type: 'deviceTest', what: 'prompt', prompt: n })}>
              {t('technician.testPrompt', { name: t(`technician.prompt.${String(n)}`) })}
            </button>
          ))}
        </div>
      </article>
    </section>
  );
}

function PortList({ title, ports, onUse }: { title: string; ports: DetectedPort[]; onUse: (p: DetectedPort) => void }) {
  const { t } = useTranslation();
  const sorted = [...ports].sort((a, b) => Number(b.likely) - Number(a.likely));
  return (
    <>
      <h3>{title}</h3>
      {sorted.length === 0 ? (
        <p>{t('technician.none')}</p>
      ) : (
        <ul className="tech-list">
          {sorted.map((p) => (
            <li key={p.path}>
              <span>
                <code>{p.path}</code> {p.label} {p.likely && `· ${t('technician.likelyKeypad')}`}
              </span>
              <button type="button" onClick={() => onUse(p)}>
                {t('technician.useThis')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
