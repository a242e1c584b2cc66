import { useTranslation } from 'react-i18next';
import type { Diagnostics } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';

/**
 * Other terminals' bundles this terminal relays. A bundle the province refused is a dead letter: its reason, and
 * the technician's two ways out (send it again, or set it aside so it is kept but never sent); both are audited. A
 * relayed bundle some of whose records the province refused shows how many and why, and can be sent again too. A held
 * bundle (a gov-form terminal could not verify it) says why and can only be set aside: it is never relayed on trust.
 */
export function RelayedBundles({ relayed }: { relayed: Diagnostics['relayed'] }) {
  const { t } = useTranslation();
  const request = useUi((s) => s.request);
  if (relayed.length === 0) return null;
  return (
    <>
      <h3>{t('technician.relayed')}</h3>
      <ul className="tech-list" data-testid="tech-relayed">
        {relayed.map((b) => {
          const refusedRecords = b.state === 'done' && (b.rejected ?? 0) > 0;
          const reason = b.lastError && ` · ${b.lastCode ? `${b.lastCode}: ` : ''}${b.lastError}`;
          return (
            <li key={b.bundleId} className={b.state === 'rejected' || b.state === 'held' || refusedRecords ? 'tech-warning' : ''} data-state={b.state}>
              <span>
                {b.originTerminal}: {b.records} · {t(`technician.bundleState.${b.state}`)}
                {b.state === 'pending' && b.judged > 0 && ` · ${t('technician.bundleProgress', { judged: b.judged, records: b.records })}`}
                {b.attempts > 0 && ` · ${t('technician.bundleTries', { attempts: b.attempts })}`}
                {refusedRecords && ` · ${t('technician.bundleRefusedRecords', { n: b.rejected })}`}
                {(b.state !== 'done' || refusedRecords) && reason}
              </span>
              {(b.state === 'rejected' || b.state === 'set-aside' || refusedRecords) && (
                <button type="button" onClick={() => void request({ type: 'relayBundle', bundleId: b.bundleId, action: 'resend' })}>
                  {t('technician.resend')}
                </button>
              )}
              {(b.state === 'rejected' || b.state === 'held') && (
                <button type="button" onClick={() => void request({ type: 'relayBundle', bundleId: b.bundleId, action: 'set-aside' })}>
                  {t('technician.setAside')}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
