import { chainHash, GENESIS_CHAIN_HASH } from '../chain.js';
import { evaluationRecordSchema, type EvaluationRecord } from '../record.js';
import { drawReject, type Faults } from './faults.js';

/**
 * What the hcp-json simulator holds of the records terminals sent, and how it judges each one, whichever route
 * brought it (a batch, an imported bundle, a relayed bundle): the record schema, the terminal, a sealed name, the
 * SM3 chain per terminal, a duplicate, and the injected rejections.
 */

export interface StoredRecord {
  record: EvaluationRecord;
  status: 'accepted' | 'rejected';
  receivedAt: number;
}

export interface HcpJsonLedgerContext {
  faults: () => Faults;
  random: () => number;
  now: () => number;
  stats: { invalidRecords: number; duplicates: number; rejectedInjected: number };
}

export function hcpJsonLedger(c: HcpJsonLedgerContext) {
  const { random, now, stats } = c;
  const records = new Map<string, StoredRecord>();
  const bySeq = new Map<string, Map<number, string>>(); // terminalId → seq → chainHash

  const ingest = (terminalId: string, raw: unknown[]) =>
    raw.map((candidate) => {
      const parsed = evaluationRecordSchema.safeParse(candidate);
      const evalId = (candidate as { evalId?: unknown } | null)?.evalId;
      const id = typeof evalId === 'string' ? evalId : '';
      if (!parsed.success) {
        stats.invalidRecords++;
        return {
          evalId: id,
          status: 'rejected' as const,
          code: 'INVALID_FIELD',
          message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        };
      }
      const r = parsed.data;
      const problem =
        r.terminalId !== terminalId
          ? 'terminalId does not match X-HCP-Terminal'
          : r.userName?.startsWith('sealed:')
            ? 'userName is sealed: the terminal sent its own ciphertext'
            : chainProblem(terminalId, r);
      // Resending an accepted record is a duplicate; a rejected one (fixed, resent by a technician) is judged again.
      if (records.get(r.evalId)?.status === 'accepted') {
        stats.duplicates++;
        return { evalId: r.evalId, status: 'duplicate' as const };
      }
      if (problem) {
        stats.invalidRecords++;
        return { evalId: r.evalId, status: 'rejected' as const, code: 'INVALID_FIELD', message: problem };
      }
      const chain = bySeq.get(terminalId) ?? new Map<number, string>();
      chain.set(r.seq, r.chainHash);
      bySeq.set(terminalId, chain);
      if (drawReject(c.faults(), r.seq, random)) {
        stats.rejectedInjected++;
        records.set(r.evalId, { record: r, status: 'rejected', receivedAt: now() });
        return { evalId: r.evalId, status: 'rejected' as const, code: 'UNKNOWN_STAFF', message: `proManager ${r.proManager} is not registered (injected)` };
      }
      records.set(r.evalId, { record: r, status: 'accepted', receivedAt: now() });
      return { evalId: r.evalId, status: 'accepted' as const };
    });

  const chainProblem = (terminalId: string, r: EvaluationRecord): string | null => {
    const chain = bySeq.get(terminalId);
    const existing = chain?.get(r.seq);
    if (existing !== undefined && existing !== r.chainHash) return `seq ${r.seq} was already used by another record`;
    const prev = r.seq === 1 ? GENESIS_CHAIN_HASH : chain?.get(r.seq - 1);
    if (prev !== undefined && chainHash(prev, r) !== r.chainHash) return `chainHash of seq ${r.seq} does not follow seq ${r.seq - 1}`;
    return null;
  };

  return { records, ingest };
}
