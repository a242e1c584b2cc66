import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KeySealer, loadKeyFile } from '../provisioning/secrets.js';
import { writeExportBundles } from '../runtime/export-records.js';
import { writeRelayedBundles } from '../runtime/export-relays.js';
import { openReadOnly } from '../store/database.js';
import { DataDirError } from '../store/errors.js';
import { parseCommandArgs, UsageError } from './args.js';

/**
 * `hcp-terminal export`: every record the province has not accepted, in a signed bundle for a USB stick.
 * Reads the database without the lock, so a running terminal need not stop; exporting changes nothing.
 * A record whose follow-up is still open is left out, and the message says how many; `--include-held` takes it as it
 * stands, for a terminal that will not run again (the package's removal: packaging/debian/prerm); `--with-relayed`
 * also writes, beside it, the other terminals' bundles it was relaying that the province has not wholly taken.
 */
export async function exportRecords(argv: string[]): Promise<number> {
  const a = parseCommandArgs(
    argv,
    {
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      'with-names': { type: 'boolean' },
      'include-held': { type: 'boolean' },
      'with-relayed': { type: 'boolean' },
    },
    ['data-dir', 'out'],
  );
  const withNames = a.flag('with-names');
  const dataDir = a.required('data-dir');
  const out = a.required('out');
  checkOutFolder(out);
  const db = openReadOnly(dataDir);
  if (!db) throw new DataDirError(`${dataDir} holds no terminal database`, 'not-writable');
  try {
    const key = loadKeyFile(dataDir, false);
    if (!key) throw new DataDirError('the sealing key of this data directory is missing; the bundle cannot be signed', 'sealing-key');
    let written: Awaited<ReturnType<typeof writeExportBundles>>;
    let relayed: ReturnType<typeof writeRelayedBundles> | null = null;
    try {
      written = await writeExportBundles({ db, sealer: new KeySealer(key), out, withNames, includeHeld: a.flag('include-held') });
      if (a.flag('with-relayed')) relayed = writeRelayedBundles(db, out);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('E')) throw new UsageError(`cannot write ${out}: ${code}`, false);
      throw err;
    }
    const { records, files, held } = written;
    const message =
      `${String(records)} record(s) exported` +
      (relayed?.bundles
        ? `; ${String(relayed.bundles)} relayed bundle(s) with ${String(relayed.records)} record(s) not yet taken by the province written beside it`
        : '') +
      (held ? `; ${String(held)} record(s) whose follow-up is still open were left out (the citizen may still add to them): export again once it ends` : '');
    const relays = relayed ? { relayedBundles: relayed.bundles, relayedRecords: relayed.records, relayedFiles: relayed.files } : {};
    process.stdout.write(JSON.stringify({ event: 'exported', records, held, out: files[0], files, ...relays, names: withNames, message }) + '\n');
    if (held) process.stderr.write(`hcp-terminal: ${message}\n`);
    return 0;
  } finally {
    db.close();
  }
}

/** A folder that is not there is the caller's mistake, said in one line (exit 2), not a stack trace. */
function checkOutFolder(out: string): void {
  const folder = dirname(resolve(out));
  let isDir: boolean;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    throw new UsageError(`--out: the folder ${folder} does not exist`, false);
  }
  if (!isDir) throw new UsageError(`--out: ${folder} is not a folder`, false);
}
