import type { Database } from 'better-sqlite3';
import { chmodSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { makeBundle, MAX_BUNDLE_RECORDS } from '../../sync/export-bundle.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { bundleIdentity } from '../../sync/province/factory.js';
import { hcpJsonRecord, type EvaluationRecord } from '../../sync/record.js';
import { loadProvisioning } from '../provisioning/apply.js';
import { provinceAccount, provinceSecretSealed } from '../provisioning/province-schema.js';
import { KeySealer, type SecretSealer } from '../provisioning/secrets.js';
import { DataDirError } from '../store/errors.js';
import { MetaStore } from '../store/meta.js';
import { META_DATA_KEY, openName, sealedRandomKey } from './identity.js';

/**
 * Every record the province has not accepted, in signed bundles of at most 10,000 records (province-api v1.1:
 * only this terminal can re-make them, so it splits here). Used by `hcp-terminal export` and the diagnostics screen.
 */
export async function writeExportBundles(p: {
  db: Database;
  sealer: SecretSealer;
  out: string;
  withNames: boolean;
  /** Write nothing when there is nothing to send (a bundle without records cannot be relayed). */
  skipEmpty?: boolean;
  /**
   * Take the records whose follow-up is still open too, as they stand: for a terminal that will not run again (the
   * package's removal), whose next start would have released them as they are.
   */
  includeHeld?: boolean;
}): Promise<{ records: number; files: string[]; held: number }> {
  const meta = new MetaStore(p.db);
  const prov = loadProvisioning(meta);
  if (!prov) throw new DataDirError('this terminal is not provisioned: there is nothing to export', 'not-writable');
  // Read-only: a data directory that never sealed a name has no data key, and no sealed names to open.
  const dataKey = await sealedRandomKey(meta, META_DATA_KEY, p.sealer, false);
  const names = new KeySealer(dataKey ?? Buffer.alloc(32));
  // A record whose follow-up is still open is left out (and counted): the citizen may yet add tags and a comment,
  // and a bundle relayed first would make the province keep the rating without them (its later upload: duplicate).
  // A USB stick gets lost: evaluator names travel only when the technician asks for them.
  // hcp-json's record has no serviceTime (a strict province refuses unknown fields); a gov-form supplement needs it.
  const asBundled = prov.province.dialect === 'gov-form' ? (r: EvaluationRecord) => r : hcpJsonRecord;
  const outbox = new Outbox(p.db);
  const held = p.includeHeld ? 0 : outbox.counts().held;
  const records = outbox
    .list({ states: p.includeHeld ? ['held', 'pending', 'in-flight', 'rejected'] : ['pending', 'in-flight', 'rejected'] })
    .map((e) => asBundled(p.withNames ? openName(e.record, names) : withoutName(e.record)));
  if (records.length === 0 && p.skipEmpty) return { records: 0, files: [], held };
  // A gov-form terminal states itself by appMark and signs with appWord; its records carry serviceTime for their service record.
  const identity = bundleIdentity(provinceAccount(prov.province, await p.sealer.open(provinceSecretSealed(prov.province)), prov.terminal.terminalId));
  const files: string[] = [];
  for (let i = 0; i === 0 || i < records.length; i += MAX_BUNDLE_RECORDS) {
    const part = makeBundle({
      terminalId: prov.terminal.terminalId,
      ...identity,
      records: records.slice(i, i + MAX_BUNDLE_RECORDS),
    });
    const out = partPath(p.out, i / MAX_BUNDLE_RECORDS);
    // Evaluator data: readable by the exporting user only, even when a file of that name was there before.
    writeFileSync(out, JSON.stringify(part), { mode: 0o600 });
    chmodSync(out, 0o600);
    files.push(out);
  }
  return { records: records.length, files, held };
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
