import type { Database } from 'better-sqlite3';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredProvisioning } from '../provisioning/schema.js';
import type { SecretSealer } from '../provisioning/secrets.js';
import type { auditLog } from '../store/audit-log.js';
import { writeExportBundles } from './export-records.js';
import { usbDrives } from './usb-drive.js';
import { fail, type Outcome, type Say } from './workbench-outcome.js';

export interface UsbExportDeps {
  dataDir: string;
  usbRoots: readonly string[];
  db: Database;
  sealer: SecretSealer;
  provisioning: StoredProvisioning | null;
  audit: ReturnType<typeof auditLog>;
  now: () => number;
}

/**
 * The technician's "export to USB": the unsent records as signed bundles, or the logs with the audit log. A module of
 * its own because it is the workbench's one job that writes to the drive; the rest of the workbench reads from it.
 * `said` is the workbench's: it puts the outcome on screen.
 */
export async function exportToUsb(d: UsbExportDeps, what: 'records' | 'logs', said: Say): Promise<Outcome> {
  const drive = usbDrives(d.usbRoots)[0];
  if (!drive) return said(fail('NO_USB', 'no USB drive found: insert one and try again'));
  const id = d.provisioning?.terminal.terminalId ?? 'unprovisioned';
  const stamp = new Date(d.now()).toISOString().replace(/[:.]/g, '-');
  try {
    if (what === 'records') {
      const { records, files, held } = await writeExportBundles({
        db: d.db,
        sealer: d.sealer,
        out: join(drive, `hcp-export-${id}-${stamp}.json`),
        withNames: false,
        skipEmpty: true,
      });
      // A record whose follow-up is still open stays home: the citizen may yet add reasons to it.
      if (records === 0) return said({ ok: true }, held ? 'nothingToExportHeld' : 'nothingToExport', { held });
      d.audit.record({ actor: 'technician', action: 'export.records', detail: { drive, records, held, files: files.length } });
      return said({ ok: true }, held ? 'recordsExportedHeld' : 'recordsExported', { records, held, files: files.join(', ') });
    }
    const dir = join(drive, `hcp-logs-${id}-${stamp}`);
    mkdirSync(dir, { mode: 0o700 });
    const logs = join(d.dataDir, 'logs');
    for (const name of safeList(logs)) copyPrivate(join(logs, name), join(dir, name));
    // The audit log is part of the logs a technician takes away (180 days of it).
    d.audit.record({ actor: 'technician', action: 'export.logs', detail: { drive } });
    const audit = d.audit.list(100_000).reverse();
    writeFileSync(join(dir, 'audit.jsonl'), audit.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
    return said({ ok: true }, 'logsExported', { dir });
  } catch (err) {
    return said(fail('USB_WRITE', `cannot write to ${drive}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function copyPrivate(from: string, to: string): void {
  copyFileSync(from, to);
  chmodSync(to, 0o600);
}
