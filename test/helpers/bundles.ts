import { chainHash, GENESIS_CHAIN_HASH } from '../../sync/chain.js';
import { makeBundle, type ExportBundle } from '../../sync/export-bundle.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { EvaluationRecord, NewRecord } from '../../sync/record.js';
import { openDatabase } from '../../main/store/database.js';
import { newRecord, tempDir } from './fixtures.js';

/** Another hall's terminal, with an app key of its own the importing terminal does not hold. */
export const APP_A = { appKey: 'app-key-a', appSecret: 'app-secret-of-a-987654' };

/** Records as terminal `terminalId` numbers and chains them (a real outbox on a scratch SQLite file). */
export function chainedRecords(terminalId: string, n: number, satisfaction = 4, extra: Partial<NewRecord> = {}): EvaluationRecord[] {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  try {
    const outbox = new Outbox(db);
    db.transaction(() => {
      for (let i = 0; i < n; i++) outbox.append(newRecord({ terminalId, satisfaction, clockTrusted: true, ...extra }), { held: false });
    })();
    return outbox.list().map((e) => e.record);
  } finally {
    db.close();
    dir.cleanup();
  }
}

/** A bundle exactly as `hcp-terminal export` signs it. */
export function bundleOf(terminalId: string, records: readonly EvaluationRecord[], app = APP_A): ExportBundle {
  return makeBundle({ terminalId, appKey: app.appKey, appSecret: app.appSecret, signAlg: 'HMAC-SM3', records, createdAt: '2026-11-30T08:00:00.000Z' });
}

/** The adversarial technician's copy: one record's satisfaction changed, the old signature kept. */
export function tampered(b: ExportBundle, index = 0, satisfaction = 1): ExportBundle {
  return { ...b, records: b.records.map((r, i) => (i === index ? { ...(r as EvaluationRecord), satisfaction } : r)) };
}

/**
 * The better-informed copy: one record's satisfaction changed and the chain recomputed from it to the end (SM3 needs
 * no key), the old signature kept. Only the bundle signature tells it from the genuine file.
 */
export function rechained(b: ExportBundle, index: number, satisfaction = 1): ExportBundle {
  let prev = index === 0 ? GENESIS_CHAIN_HASH : (b.records[index - 1] as EvaluationRecord).chainHash;
  const records = b.records.map((raw, i) => {
    if (i < index) return raw;
    const r = raw as EvaluationRecord;
    const changed = i === index ? { ...r, satisfaction } : r;
    prev = chainHash(prev, changed);
    return { ...changed, chainHash: prev };
  });
  return { ...b, records };
}
