import type { TerminalConfig } from '../core/config.js';
import type { AuditLog } from '../core/ports.js';
import type { Terminal } from '../core/terminal.js';
import type { Devices } from '../devices/devices.js';
import type { PageHost } from '../page/page-host.js';
import type { SyncEngine } from '../../sync/engine.js';
import type { IntentExtras } from './intents.js';
import type { TechnicianWorkbench } from './technician-workbench.js';

/**
 * What the intents need beyond the core (intents.ts), put together from the parts the composition root built: the
 * demo's keypad, diagnostics' two technician actions (each audited, then the view shown afresh), the technician's
 * workbench and page mode.
 */
export function intentExtrasOf(c: {
  terminal: Terminal;
  devices: Pick<Devices, 'simulator'> | null;
  sync: SyncEngine<TerminalConfig> | null;
  audit: AuditLog;
  diagnostics: { checkIntegrity: () => { ok: boolean } | null };
  workbench: TechnicianWorkbench;
  pageHost: PageHost | null;
}): IntentExtras {
  const { terminal, sync, audit, workbench, pageHost } = c;
  const simulator = c.devices?.simulator;
  return {
    ...(simulator ? { simulateKey: (key: number) => void simulator.pressKey(key) } : {}),
    resend: (evalIds) => {
      const n = sync?.resendDeadLetters(evalIds) ?? 0;
      audit.record({ actor: 'technician', action: 'diagnostics.resend', detail: { records: n, asked: evalIds?.length ?? 'all' } });
      terminal.refreshView();
      return n;
    },
    integrityCheck: () => {
      const r = c.diagnostics.checkIntegrity();
      audit.record({ actor: 'technician', action: 'diagnostics.integrity-check', detail: { ok: r?.ok ?? false } });
      terminal.refreshView();
    },
    workbench,
    ...(pageHost ? { page: pageHost.page } : {}),
  };
}
