import { KeySealer, loadKeyFile } from '../provisioning/secrets.js';
import { writeExportBundles } from '../runtime/export-records.js';
import { openReadOnly } from '../store/database.js';
import { DataDirError } from '../store/errors.js';
import { parseCommandArgs } from './args.js';

/**
 * `hcp-terminal export`: every record the province has not accepted, in a signed bundle for a USB stick.
 * Reads the database without the lock, so a running terminal need not stop; exporting changes nothing.
 */
export async function exportRecords(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, out: { type: 'string' }, 'with-names': { type: 'boolean' } }, ['data-dir', 'out']);
  const withNames = a.flag('with-names');
  const dataDir = a.required('data-dir');
  const db = openReadOnly(dataDir);
  if (!db) throw new DataDirError(`${dataDir} holds no terminal database`, 'not-writable');
  try {
    const key = loadKeyFile(dataDir, false);
    if (!key) throw new DataDirError('the sealing key of this data directory is missing; the bundle cannot be signed', 'sealing-key');
    const { records, files } = await writeExportBundles({ db, sealer: new KeySealer(key), out: a.required('out'), withNames });
    process.stdout.write(JSON.stringify({ event: 'exported', records, out: files[0], files, names: withNames }) + '\n');
    return 0;
  } finally {
    db.close();
  }
}
