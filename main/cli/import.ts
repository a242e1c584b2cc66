import { existsSync, readFileSync, statSync } from 'node:fs';
import { MAX_BUNDLE_BYTES } from '../../sync/export-bundle.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { auditLog } from '../store/audit-log.js';
import { openDatabase } from '../store/database.js';
import { DataDirError } from '../store/errors.js';
import { DataDirLock } from '../store/lock.js';
import { parseCommandArgs, UsageError } from './args.js';

/**
 * `hcp-terminal import`: another terminal's export bundle, from a USB drive, stored for relay (province-api v1.1)
 * on a stopped terminal; it goes to the province when this terminal next runs. Importing the same bundle again adds nothing.
 */
export function importBundle(argv: string[]): number {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, file: { type: 'string' } }, ['data-dir', 'file']);
  const file = a.required('file');
  let text: string;
  try {
    if (statSync(file).size > MAX_BUNDLE_BYTES) throw new UsageError(`${file} is larger than a bundle may be (16 MiB)`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read bundle ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const dataDir = a.required('data-dir');
  if (!existsSync(dataDir)) throw new DataDirError(`${dataDir} is not a terminal's data directory`, 'not-writable');
  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(dataDir);
  } catch (err) {
    if (err instanceof DataDirError && err.reason === 'locked') {
      throw new DataDirError(`${err.message}; stop it first, or import from its diagnostics screen`, 'locked');
    }
    throw err;
  }
  try {
    const { db } = openDatabase(dataDir);
    try {
      const r = new BundleQueue(db).add(text);
      if (!r.ok) throw new UsageError(`${file} cannot be relayed: ${r.error}`);
      auditLog(db, Date.now).record({ actor: 'technician', action: 'relay.import', detail: { source: 'cli', file, records: r.records, new: r.isNew } });
      process.stdout.write(JSON.stringify({ event: 'imported', records: r.records, new: r.isNew }) + '\n');
      return 0;
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
}
