import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_CHAIN_HASH, verifyChain, type ChainFields } from '../../sync/chain.js';

/** The formula of province-api.md, computed with OpenSSL's SM3 as an independent oracle. */
function oracle(prev: string, f: ChainFields): string {
  const s = `${prev}|${f.evalId}|${f.seq}|${f.satisfaction}|${f.assessTime}|${f.proManager}|${f.projectNo ?? ''}`;
  return createHash('sm3').update(s, 'utf8').digest('hex');
}

describe('chain hash', () => {
  it('follows the province formula, seq 1 chained to 64 zeros and an absent projectNo as ""', () => {
    const f = { evalId: randomUUID(), seq: 1, satisfaction: 4, assessTime: '2026-11-24 10:00:00', proManager: 'SM0012' };
    expect(GENESIS_CHAIN_HASH).toBe('0'.repeat(64));
    expect(chainHash(GENESIS_CHAIN_HASH, f)).toBe(oracle('0'.repeat(64), f));
    expect(chainHash(GENESIS_CHAIN_HASH, { ...f, projectNo: '办件-001' })).toBe(oracle('0'.repeat(64), { ...f, projectNo: '办件-001' }));
  });

  it('verifies a run and names the first record that was tampered with', () => {
    let prev = GENESIS_CHAIN_HASH;
    const records = Array.from({ length: 10 }, (_, i) => {
      const f = { evalId: randomUUID(), seq: i + 1, satisfaction: (i % 5) + 1, assessTime: '2026-11-24 10:00:00', proManager: 'SM0012', projectNo: `P${i}` };
      prev = chainHash(prev, f);
      return { ...f, chainHash: prev };
    });
    expect(verifyChain(records)).toBeNull();
    const tampered = records.map((r) => (r.seq === 6 ? { ...r, satisfaction: 5 } : r));
    expect(verifyChain(tampered)).toBe(6);
    expect(verifyChain(records.filter((r) => r.seq !== 4))).toBe(5);
  });
});
