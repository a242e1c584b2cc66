import { useTranslation } from 'react-i18next';
import { saidText } from '../technician/said.js';
import type { TechnicianSetup } from '../../../main/bridge/technician.js';
import { UsbFiles } from '../technician/UsbFiles.js';

/** A terminal with no provisioning: it says so, and takes its first provisioning file from a USB drive (no shell needed). */
export function Unprovisioned({ setup }: { setup: TechnicianSetup | null }) {
  const { t } = useTranslation();
  return (
    <main className="screen message unprovisioned technician">
      <h1>{t('unprovisioned.title')}</h1>
      <p>{t('unprovisioned.hint')}</p>
      {setup && (
        <>
          {setup.lastAction && !setup.lastAction.ok && (
            <p className="tech-said tech-warning" role="status">
              {saidText(t, setup.lastAction)}
            </p>
          )}
          <UsbFiles setup={setup} kind="provisioning" />
        </>
      )}
    </main>
  );
}
