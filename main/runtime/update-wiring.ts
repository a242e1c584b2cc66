import type { Log } from '../log/logger.js';
import { updatesSettingsSchema, type StoredProvisioning } from '../provisioning/schema.js';
import { readDatabaseSchema } from '../store/schema-info.js';
import { UpdateManager } from '../update/update-manager.js';
import { softwareVersion } from './version.js';
import type { WorkbenchUpdates } from './technician-workbench.js';

/**
 * The running terminal's side of field updates: the manager that takes announcements and installs files, and what the
 * technician's USB screen checks and installs with. One place, so the network and the screen share keys and rules.
 */
export function updateWiring(o: {
  provisioning: StoredProvisioning | null;
  dataDir: string;
  releasesDir: string | undefined;
  /** No staff member logged in, or the hall closed: an install restarts the terminal, never under a citizen. */
  idle: () => boolean;
  staff: () => string | null;
  log: Log;
  /** Downloads go the province's way: its proxy, its trusted CAs. */
  fetch?: typeof fetch;
}): { updates: UpdateManager | null; trialMinutes: number; workbench: WorkbenchUpdates } {
  const trustedKeys = o.provisioning?.updates?.publicKeys ?? [];
  const database = () => readDatabaseSchema(o.dataDir);
  const trialMinutes = o.provisioning?.updates?.trialMinutes ?? updatesSettingsSchema.parse({}).trialMinutes;
  const updates = o.provisioning
    ? new UpdateManager({
        terminalId: o.provisioning.terminal.terminalId,
        dataDir: o.dataDir,
        releasesDir: o.releasesDir,
        trustedKeys,
        database,
        idle: o.idle,
        log: o.log.child({ component: 'update' }),
        ...(o.fetch ? { fetchImpl: o.fetch } : {}),
      })
    : null;
  return {
    updates,
    trialMinutes,
    workbench: {
      checks: { dataDir: o.dataDir, releasesDir: o.releasesDir, trustedKeys, database, runningVersion: softwareVersion() },
      install: updates ? (file) => updates.installFile(file) : undefined,
      idle: o.idle,
      staff: o.staff,
      trialMinutes,
    },
  };
}
