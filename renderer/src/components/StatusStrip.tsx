import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';

/** The staff member's figures and the upload state, small and out of the citizen's way. */
function Strip({ view }: { view: TerminalView }) {
  const { t } = useTranslation();
  const s = view.stats;
  return (
    <footer className="strip" aria-label="status">
      {view.staff && (
        <span>
          {view.staff.name} · {t('serving.staffId', { id: view.staff.staffId })}
        </span>
      )}
      {s && <span>{t('strip.today', { n: s.todayCount })}</span>}
      {s && <span>{s.satisfiedRate === null ? t('strip.rateNone') : t('strip.rate', { p: `${Math.round(s.satisfiedRate * 100)}%` })}</span>}
      <span className={view.sync.online ? 'net-on' : 'net-off'}>{view.sync.online ? t('strip.online') : t('strip.offline')}</span>
      <span>{t('strip.pending', { n: view.sync.pending })}</span>
    </footer>
  );
}

/** Every view push re-renders the page; the strip only when what it shows changed. */
export const StatusStrip = memo(
  Strip,
  (a, b) =>
    a.view.locale === b.view.locale &&
    a.view.staff?.staffId === b.view.staff?.staffId &&
    a.view.staff?.name === b.view.staff?.name &&
    a.view.stats?.todayCount === b.view.stats?.todayCount &&
    a.view.stats?.satisfiedRate === b.view.stats?.satisfiedRate &&
    a.view.sync.online === b.view.sync.online &&
    a.view.sync.pending === b.view.sync.pending,
);
