import type { Database } from 'better-sqlite3';
import { chmodSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';

/**
 * Other terminals' bundles this terminal was relaying and the province has not wholly taken, each written beside
 * `out` as it was imported (`records.json` → `records-relayed-1.json`, …): signed by the terminal that made it, so
 * the province or another terminal takes it as it is. For a terminal that will not run again (the package's purge),
 * whose relay queue would otherwise go with its data directory.
 */
export function writeRelayedBundles(db: Database, out: string): { bundles: number; records: number; files: string[] } {
  const ext = extname(out);
  const stem = out.slice(0, out.length - ext.length);
  const files: string[] = [];
  let records = 0;
  for (const [i, b] of new BundleQueue(db).unsent().entries()) {
    const file = `${stem}-relayed-${String(i + 1)}${ext || '.json'}`;
    // Evaluator data may be in it (a bundle exported with names): readable by the exporting user only.
    writeFileSync(file, b.body, { mode: 0o600 });
    chmodSync(file, 0o600);
    files.push(file);
    records += b.unsentRecords;
  }
  return { bundles: files.length, records, files };
}
