import { useTranslation } from 'react-i18next';
import type { TechnicianSetup, UsbFile } from '../../../main/bridge/technician.js';
import { useUi } from '../context.js';
import { fieldLabelKey } from './labels.js';

/** Files on the USB drives of one kind (provisioning files, or other terminals' export bundles), each with what taking it would do. */
export function UsbFiles({ setup, kind }: { setup: TechnicianSetup; kind: 'provisioning' | 'bundle' }) {
  const { t } = useTranslation();
  const request = useUi((s) => s.request);
  const files = setup.usb.files.filter((f): f is Extract<UsbFile, { kind: typeof kind }> => f.kind === kind);
  return (
    <section className="tech-card" aria-labelledby={`usb-${kind}`}>
      <h2 id={`usb-${kind}`}>{t(kind === 'provisioning' ? 'technician.usbProvisioning' : 'technician.usbBundles')}</h2>
      <button type="button" onClick={() => void request({ type: 'rescan' })}>
        {t('technician.rescan')}
      </button>
      {setup.usb.cutShort && (
        <p className="field-error" role="status">
          {t(`technician.usbCutShort.${setup.usb.cutShort}`)}
        </p>
      )}
      {files.length === 0 ? (
        <p>{t('technician.usbNone', { roots: setup.usb.roots.join(', ') })}</p>
      ) : (
        <ul className="tech-list usb-files">
          {files.map((f) => (
            <li key={f.path}>
              <div>
                <code>{f.path}</code>
                {f.error ? (
                  <p className="field-error">{f.error}</p>
                ) : f.kind === 'bundle' ? (
                  <p>{t('technician.bundleSummary', { terminalId: f.terminalId ?? '?', records: f.records })}</p>
                ) : f.changes.length === 0 ? (
                  <p>{t('technician.noChanges')}</p>
                ) : (
                  <table className="changes">
                    <tbody>
                      {f.changes.map((c) => (
                        <tr key={c.field}>
                          <th scope="row">{t(fieldLabelKey(c.field))}</th>
                          <td>{c.from || '—'}</td>
                          <td>→ {c.to || '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
              <button type="button" className="primary" disabled={f.error !== null} onClick={() => void request({ type: 'usbImport', path: f.path })}>
                {t(kind === 'provisioning' ? 'technician.importApply' : 'technician.importRelay')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
