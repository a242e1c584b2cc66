import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { QrCode, useQrCode } from '../components/QrCode.js';
import { RegionBoundary } from '../components/RegionBoundary.js';
import { StaffCard } from '../components/StaffCard.js';

export function Serving({ view }: { view: TerminalView }) {
  const { t } = useTranslation();
  const qr = useQrCode(view.staticQrUrl, 220, 'serving-qr');
  return (
    <main className="screen serving">
      <div className="serving-main">
        <p className="welcome">{t('serving.welcome')}</p>
        {view.staff && (
          <RegionBoundary region="staff-card" resetKey={view.staff}>
            <StaffCard staff={view.staff} />
          </RegionBoundary>
        )}
      </div>
      {qr && (
        <aside className="serving-qr">
          <QrCode qr={qr} label={t('serving.scan')} />
          <div className="qr-title">{t('serving.scan')}</div>
          <div className="qr-hint">{t('serving.scanHint')}</div>
        </aside>
      )}
    </main>
  );
}

export function Thanks() {
  const { t } = useTranslation();
  return (
    <main className="screen message thanks" role="status">
      <svg className="big-icon" viewBox="0 0 100 100" aria-hidden="true">
        <circle cx="50" cy="50" r="44" fill="currentColor" opacity="0.12" />
        <path d="M28 52 L44 67 L73 36" fill="none" stroke="currentColor" strokeWidth="8" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <h1>{t('thanks.title')}</h1>
      <p>{t('thanks.hint')}</p>
    </main>
  );
}

export function Closed({ view }: { view: TerminalView }) {
  const { t } = useTranslation();
  const qr = useQrCode(view.staticQrUrl, 180, 'closed-qr', 220);
  return (
    <main className="screen message closed">
      <h1>{t('closed.title')}</h1>
      <p>{t('closed.hint')}</p>
      {qr && <QrCode qr={qr} label={t('serving.scan')} />}
    </main>
  );
}

export function Paused({ view }: { view: TerminalView }) {
  const { t } = useTranslation();
  return (
    <main className="screen message paused">
      <h1>{t('paused.title')}</h1>
      {view.staff && <p>{t('paused.staff', { name: view.staff.name })}</p>}
      {view.staff && (
        <RegionBoundary region="staff-card" resetKey={view.staff}>
          <StaffCard staff={view.staff} compact />
        </RegionBoundary>
      )}
    </main>
  );
}

export function Message({ kind }: { kind: 'maintenance' | 'unprovisioned' | 'connecting' }) {
  const { t } = useTranslation();
  return (
    <main className={`screen message ${kind}`}>
      <h1>{t(`${kind}.title`)}</h1>
      <p>{t(`${kind}.hint`)}</p>
    </main>
  );
}
