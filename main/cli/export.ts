import { chmodSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { makeBundle, MAX_BUNDLE_RECORDS } from '../../sync/export-bundle.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { EvaluationRecord } from '../../sync/record.js';
import { loadProvisioning } from '../provisioning/apply.js';
import { KeySealer, loadKeyFile } from '../provisioning/secrets.js';
import { META_DATA_KEY, openName, sealedRandomKey } from '../runtime/identity.js';
import { openReadOnly } from '../store/database.js';
import { DataDirError } from '../store/errors.js';
import { MetaStore } from '../store/meta.js';
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
    const meta = new MetaStore(db);
    const prov = loadProvisioning(meta);
    if (!prov) throw new DataDirError(`${dataDir} is not provisioned: there is nothing to export`, 'not-writable');
    const key = loadKeyFile(dataDir, false);
    if (!key) throw new DataDirError('the sealing key of this data directory is missing; the bundle cannot be signed', 'sealing-key');
    const sealer = new KeySealer(key);
    // Read-only: a data directory that never sealed a name has no data key, and no sealed names to open.
    const dataKey = await sealedRandomKey(meta, META_DATA_KEY, sealer, false);
    const names = new KeySealer(dataKey ?? Buffer.alloc(32));
    // A USB stick gets lost: evaluator names travel only when the technician asks for them (--with-names).
    const records = new Outbox(db)
      .list({ states: ['held', 'pending', 'in-flight', 'rejected'] })
      .map((e) => (withNames ? openName(e.record, names) : withoutName(e.record)));
    // province-api v1.1: at most MAX_BUNDLE_RECORDS a bundle; only this terminal can re-make them, so it splits here.
    const outs: string[] = [];
    for (let i = 0; i === 0 || i < records.length; i += MAX_BUNDLE_RECORDS) {
      const part = makeBundle({
        terminalId: prov.terminal.terminalId,
        appKey: prov.province.appKey,
        appSecret: sealer.openSync(prov.province.appSecretSealed),
        signAlg: prov.province.signAlg,
        records: records.slice(i, i + MAX_BUNDLE_RECORDS),
      });
      const out = partPath(a.required('out'), i / MAX_BUNDLE_RECORDS);
      // Evaluator data: readable by the exporting user only, even when a file of that name was there before.
      writeFileSync(out, JSON.stringify(part), { mode: 0o600 });
      chmodSync(out, 0o600);
      outs.push(out);
    }
    process.stdout.write(JSON.stringify({ event: 'exported', records: records.length, out: outs[0], files: outs, names: withNames }) + '\n');
    return 0;
  } finally {
    db.close();
  }
}

function withoutName(r: EvaluationRecord): EvaluationRecord {
  const { userName: _name, ...rest } = r;
  return rest;
}

/** The first bundle at the path asked for; further ones beside it: records.json, records-2.json, records-3.json … */
function partPath(out: string, index: number): string {
  if (index === 0) return out;
  const ext = extname(out);
  return `${out.slice(0, out.length - ext.length)}-${String(index + 1)}${ext}`;
}
