import { existsSync } from 'node:fs';
import { readBundleFile } from '../../sync/relay/bundle-file.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { loadProvisioning } from '../provisioning/apply.js';
import { provinceAppId, provinceSecretSealed } from '../provisioning/province-schema.js';
import { KeySealer, loadKeyFile } from '../provisioning/secrets.js';
import { auditLog } from '../store/audit-log.js';
import { openDatabase } from '../store/database.js';
import { DataDirError } from '../store/errors.js';
import { DataDirLock } from '../store/lock.js';
import { MetaStore } from '../store/meta.js';
import { parseCommandArgs, UsageError } from './args.js';

/**
 * `hcp-terminal import`: another terminal's export bundle, from a USB drive, stored for relay (province-api v1.1)
 * on a stopped terminal; it goes to the province when this terminal next runs. Importing the same bundle again adds nothing.
 */
export async function importBundle(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, file: { type: 'string' } }, ['data-dir', 'file']);
  const file = a.required('file');
  const read = readBundleFile(file);
  if (!read.ok) throw new UsageError(`${file} cannot be relayed: ${read.error}`, false);
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
      const prov = loadProvisioning(new MetaStore(db));
      // The app secret, when this data directory can open it, lets the signature be checked here and now.
      const key = prov ? loadKeyFile(dataDir, false) : null;
      const appSecret = prov && key ? await new KeySealer(key).open(provinceSecretSealed(prov.province)).catch(() => null) : null;
      const r = new BundleQueue(db).add(read.text, {
        terminalId: prov?.terminal.terminalId ?? null,
        secretOf: (appKey) => (prov && appKey === provinceAppId(prov.province) ? appSecret : null),
        dialect: prov?.province.dialect ?? null,
        ownAppKey: prov ? provinceAppId(prov.province) : null,
      });
      if (!r.ok) throw new UsageError(`${file} cannot be relayed: ${r.error}`, false);
      auditLog(db, Date.now).record({
        actor: 'technician',
        action: 'relay.import',
        detail: { source: 'cli', file, bundleId: r.bundleId, records: r.records, new: r.isNew, ...(r.held ? { held: r.held } : {}) },
      });
      // Held: kept (an export --with-relayed carries it on) but never relayed; the technician reads why here.
      const held = r.held ? { held: r.held } : {};
      process.stdout.write(JSON.stringify({ event: 'imported', records: r.records, new: r.isNew, bundleId: r.bundleId, ...held }) + '\n');
      if (r.held) process.stderr.write(`${file}: kept but not relayed: ${r.held}\n`);
      return 0;
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
}
