import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReleasesView } from '../../../main/bridge/contract.js';
import type { TechnicianSetup, UpdateFile } from '../../../main/bridge/technician.js';
import { useUi } from '../context.js';

/** The file's name on the drive: the folders above it say nothing to a technician holding the stick. */
const nameOf = (path: string) => path.split('/').pop() ?? path;

/**
 * Update files on the USB drives (`*.hcpupd`), each with its version and, in plain words, whether it would install.
 * Installing asks to confirm first (the terminal restarts on trial); it is offered only under the launcher and while
 * no one is logged in, the same rule as an update announced by the province.
 */
export function UpdateFiles({ setup, releases }: { setup: TechnicianSetup; releases: ReleasesView | null }) {
  const { t } = useTranslation();
  const request = useUi((s) => s.request);
  const [asking, setAsking] = useState<string | null>(null);
  // Copying a release off a slow stick and checking every file takes a while: the screen says so meanwhile.
  const [installing, setInstalling] = useState<string | null>(null);
  const files = setup.usb.files.filter((f): f is UpdateFile => f.kind === 'update');
  const u = setup.updates;
  const current = releases?.current ?? '—';
  return (
    <section className="tech-card" aria-labelledby="usb-updates" data-testid="usb-updates">
      <h2 id="usb-updates">{t('technician.updates.title')}</h2>
      <button type="button" onClick={() => void request({ type: 'rescan' })}>
        {t('technician.rescan')}
      </button>
      {!u.launcher && <p className="tech-warning">{t('technician.updates.needLauncher')}</p>}
      {u.launcher && u.staff !== null && <p className="tech-warning">{t('technician.updates.staffLoggedIn', { staff: u.staff })}</p>}
      {setup.usb.cutShort === 'updates' && (
        <p className="field-error" role="status">
          {t('technician.usbCutShort.updates')}
        </p>
      )}
      {files.length === 0 ? (
        <p>{t('technician.updates.none')}</p>
      ) : (
        <ul className="tech-list update-files">
          {files.map((f) => (
            <li key={f.path} data-testid="update-file">
              <div>
                <code>{nameOf(f.path)}</code>
                <p>
                  {f.version !== null ? t('technician.updates.version', { version: f.version, seq: f.seq ?? '?' }) : t('technician.updates.versionUnknown')}
                </p>
                {f.reason === null ? (
                  <p className="update-ok" data-testid="update-verdict">
                    {t('technician.updates.installable')}
                  </p>
                ) : (
                  <>
                    <p className="tech-warning" data-testid="update-verdict">
                      {t(`technician.updates.reason.${f.reason}`, { defaultValue: f.reason })}
                    </p>
                    {f.error && <p className="field-error">{f.error}</p>}
                  </>
                )}
                {installing === f.path && (
                  <p role="status" className="tech-said">
                    {t('technician.updates.installing')}
                  </p>
                )}
                {asking === f.path && (
                  <div role="alertdialog" aria-labelledby="update-confirm-title" className="update-confirm">
                    <h3 id="update-confirm-title">{t('technician.updates.confirmTitle', { version: f.version ?? '' })}</h3>
                    <p>{t('technician.updates.confirmText', { minutes: u.trialMinutes, current })}</p>
                    {u.staff !== null && <p className="tech-warning">{t('technician.updates.staffLoggedIn', { staff: u.staff })}</p>}
                    <div className="tech-buttons">
                      <button
                        type="button"
                        className="primary"
                        onClick={() => {
                          setAsking(null);
                          setInstalling(f.path);
                          void request({ type: 'installUpdate', path: f.path }).finally(() => setInstalling(null));
                        }}
                      >
                        {t('technician.updates.confirm')}
                      </button>
                      <button type="button" onClick={() => setAsking(null)}>
                        {t('technician.cancel')}
                      </button>
                    </div>
                  </div>
                )}
              </div>
              {u.launcher && (
                <button
                  type="button"
                  className="primary"
                  disabled={f.reason !== null || !u.idle || asking !== null || installing !== null}
                  onClick={() => setAsking(f.path)}
                >
                  {t('technician.updates.install')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Which release runs, the last known good one, the trial and a rollback, and the last install attempt. */
export function ReleasesCard({ releases }: { releases: ReleasesView | null }) {
  const { t } = useTranslation();
  const at = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');
  return (
    <article className="tech-card" aria-labelledby="tech-releases" data-testid="tech-releases">
      <h2 id="tech-releases">{t('technician.releases.title')}</h2>
      {releases === null ? (
        <p>{t('technician.releases.noLauncher')}</p>
      ) : (
        <dl>
          <dt>{t('technician.releases.current')}</dt>
          <dd data-testid="releases-current">{releases.current ?? '—'}</dd>
          <dt>{t('technician.releases.good')}</dt>
          <dd>{releases.lastKnownGood ?? '—'}</dd>
          <dt>{t('technician.releases.trial')}</dt>
          <dd data-testid="releases-trial">
            {releases.onTrial
              ? t('technician.releases.onTrial', { starts: releases.starts, max: releases.maxStarts, minutes: releases.trialMinutes ?? '?' })
              : t('technician.releases.notOnTrial')}
          </dd>
          {releases.rolledBackFrom && (
            <>
              <dt>{t('technician.releases.rolledBack')}</dt>
              <dd className="tech-warning">{t('technician.releases.rolledBackFrom', { version: releases.rolledBackFrom, at: at(releases.rolledBackAt) })}</dd>
            </>
          )}
          {releases.lastAttempt && (
            <>
              <dt>{t('technician.releases.lastAttempt')}</dt>
              <dd className={releases.lastAttempt.ok ? '' : 'tech-warning'}>
                {releases.lastAttempt.ok
                  ? t('technician.releases.attemptOk', { at: at(releases.lastAttempt.at), version: releases.lastAttempt.version ?? '' })
                  : t('technician.releases.attemptRefused', { at: at(releases.lastAttempt.at), reason: releases.lastAttempt.reason ?? 'io' })}
              </dd>
            </>
          )}
        </dl>
      )}
    </article>
  );
}
