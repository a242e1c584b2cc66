import { useTranslation } from 'react-i18next';
import type { Diagnostics as DiagnosticsView } from '../../../main/bridge/contract.js';
import type { TechnicianSetup } from '../../../main/bridge/technician.js';
import { useUi } from '../context.js';
import { RelayedBundles } from './RelayedBundles.js';
import { UsbFiles } from './UsbFiles.js';
import { ReleasesCard, UpdateFiles } from './UpdateFiles.js';

const MiB = 1024 * 1024;

/**
 * The technician's diagnostics screen (screens.md): the queue, dead letters with "resend", the clock, the database,
 * the releases and their trial, and update files on a USB drive (terminal-cli.md v1.2).
 */
export function Diagnostics({ d, setup }: { d: DiagnosticsView; setup: TechnicianSetup }) {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const request = useUi((s) => s.request);
  const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : t('technician.never'));
  return (
    <section className="tech-page" aria-label={t('technician.tab.diagnostics')}>
      <section className="tech-grid">
        <article className="tech-card" aria-labelledby="tech-queue">
          <h2 id="tech-queue">{t('technician.queue')}</h2>
          <dl>
            <dt>{t('technician.pending')}</dt>
            <dd data-testid="tech-pending">{d.queue.pending}</dd>
            <dt>{t('technician.deadLetter')}</dt>
            <dd data-testid="tech-dead">{d.queue.deadLetter}</dd>
            <dt>{t('technician.online')}</dt>
            <dd>{d.sync.online ? t('technician.yes') : t('technician.no')}</dd>
            <dt>{t('technician.lastUpload')}</dt>
            <dd>{time(d.sync.lastUploadAt)}</dd>
            <dt>{t('technician.lastHeartbeat')}</dt>
            <dd>{time(d.sync.lastHeartbeatAt)}</dd>
            <dt>{t('technician.lastError')}</dt>
            <dd>{d.sync.lastError ?? '—'}</dd>
            {d.sync.credentials && (
              <>
                <dt>{t('technician.credentials')}</dt>
                <dd className="tech-warning" data-testid="tech-credentials">
                  {t(d.sync.credentials.kind === 'unknown-app' ? 'technician.credentialsUnknownApp' : 'technician.credentialsRefused')} (
                  {d.sync.credentials.code}: {d.sync.credentials.message})
                </dd>
              </>
            )}
          </dl>
        </article>
        <article className="tech-card" aria-labelledby="tech-dead-list">
          <h2 id="tech-dead-list">{t('technician.deadLetters')}</h2>
          <RelayedBundles relayed={d.relayed} />
          {d.deadLetters.length === 0 ? (
            <p>{t('technician.none')}</p>
          ) : (
            <>
              <ul className="tech-list">
                {d.deadLetters.map((r) => (
                  <li key={r.evalId}>
                    <span>
                      #{r.seq} {r.code}: {r.message}
                    </span>
                    <button type="button" onClick={() => void send({ type: 'resendDeadLetters', evalIds: [r.evalId] })}>
                      {t('technician.resend')}
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" className="primary" onClick={() => void send({ type: 'resendDeadLetters' })}>
                {t('technician.resendAll')}
              </button>
            </>
          )}
        </article>
        <article className="tech-card" aria-labelledby="tech-system">
          <h2 id="tech-system">{t('technician.system')}</h2>
          <dl>
            <dt>{t('technician.clockOffset')}</dt>
            <dd>{d.clock.offsetMs === null ? t('technician.clockUnknown') : `${String(d.clock.offsetMs)} ms`}</dd>
            <dt>{t('technician.database')}</dt>
            <dd>{(d.database.bytes / MiB).toFixed(1)} MiB</dd>
            <dt>{t('technician.integrity')}</dt>
            <dd data-testid="tech-integrity">
              {d.database.integrity ? (d.database.integrity.ok ? t('technician.integrityOk') : d.database.integrity.detail) : '—'}
            </dd>
            {d.page && (
              <>
                <dt>{t('technician.pageMode')}</dt>
                <dd data-testid="tech-page-mode">
                  {t('technician.pageShown', { count: d.page.shown })}
                  {Object.entries(d.page.fallbacks).map(([reason, n]) => ` · ${reason} ${String(n)}`)}
                </dd>
              </>
            )}
            {d.security.length > 0 && (
              <>
                <dt>{t('technician.security')}</dt>
                <dd className="tech-warning">{d.security.join(', ')}</dd>
              </>
            )}
          </dl>
          <button type="button" onClick={() => void send({ type: 'integrityCheck' })}>
            {t('technician.checkIntegrity')}
          </button>
        </article>
        <ReleasesCard releases={d.releases} />
      </section>
      <section className="tech-grid">
        <article className="tech-card" aria-labelledby="tech-usb-out">
          <h2 id="tech-usb-out">{t('technician.toUsb')}</h2>
          <div className="tech-buttons">
            <button type="button" onClick={() => void request({ type: 'usbExport', what: 'records' })}>
              {t('technician.exportRecords')}
            </button>
            <button type="button" onClick={() => void request({ type: 'usbExport', what: 'logs' })}>
              {t('technician.exportLogs')}
            </button>
          </div>
        </article>
        <UsbFiles setup={setup} kind="bundle" />
        <UpdateFiles setup={setup} releases={d.releases} />
        <article className="tech-card" aria-labelledby="tech-problems">
          <h2 id="tech-problems">{t('technician.problems')}</h2>
          {d.problems.length === 0 ? (
            <p>{t('technician.none')}</p>
          ) : (
            <ul className="tech-list" data-testid="tech-problems">
              {d.problems.map((p, i) => (
                <li key={i} className={p.level === 'warn' ? '' : 'tech-warning'}>
                  {new Date(p.at).toLocaleString()} · {p.msg}
                </li>
              ))}
            </ul>
          )}
        </article>
      </section>
    </section>
  );
}
