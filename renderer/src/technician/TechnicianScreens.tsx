import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { saidText } from './said.js';
import type { Diagnostics as DiagnosticsView } from '../../../main/bridge/contract.js';
import type { TechnicianSetup } from '../../../main/bridge/technician.js';
import { useUi } from '../context.js';
import { Devices } from './Devices.js';
import { Diagnostics } from './Diagnostics.js';
import { Provisioning } from './Provisioning.js';

const TABS = ['provisioning', 'devices', 'diagnostics'] as const;
type Tab = (typeof TABS)[number];

/** Technician mode (state maintenance): provisioning, devices and diagnostics behind one header with exit and restart. */
export function TechnicianScreens({ diagnostics, setup }: { diagnostics: DiagnosticsView; setup: TechnicianSetup }) {
  const { t } = useTranslation();
  const request = useUi((s) => s.request);
  const touch = useUi((s) => s.touch);
  const connected = useUi((s) => s.connected);
  const [tab, setTab] = useState<Tab>('diagnostics');
  return (
    <main className="screen technician" onPointerDown={touch} onKeyDown={touch}>
      <header className="tech-header">
        <h1>{t('technician.title')}</h1>
        <span>
          {diagnostics.terminalId} · {t('technician.version', { version: diagnostics.version })} ·{' '}
          {t('technician.uptime', { minutes: Math.floor(diagnostics.uptimeS / 60) })}
        </span>
        <button type="button" onClick={() => void request({ type: 'restartTerminal' })}>
          {t('technician.restart')}
        </button>
        {setup.canExitKiosk && (
          <button type="button" onClick={() => void request({ type: 'exitKiosk' })}>
            {t('technician.exitKiosk')}
          </button>
        )}
        <button type="button" className="primary" onClick={() => void request({ type: 'technicianExit' })}>
          {t('technician.exit')}
        </button>
      </header>
      <nav className="tech-tabs" role="tablist">
        {TABS.map((name) => (
          <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => setTab(name)}>
            {t(`technician.tab.${name}`)}
          </button>
        ))}
      </nav>
      {!connected && (
        <p className="tech-said tech-warning" role="status" data-testid="tech-reconnecting">
          {t('technician.reconnecting')}
        </p>
      )}
      {setup.lastAction && (
        <p className={setup.lastAction.ok ? 'tech-said' : 'tech-said tech-warning'} role="status" data-testid="tech-last-action">
          {saidText(t, setup.lastAction)}
        </p>
      )}
      {/* A new stored provisioning (applied, imported) starts a new draft from it. */}
      {tab === 'provisioning' && <Provisioning key={JSON.stringify(setup.form)} setup={setup} />}
      {tab === 'devices' && <Devices setup={setup} />}
      {tab === 'diagnostics' && <Diagnostics d={diagnostics} setup={setup} />}
    </main>
  );
}
