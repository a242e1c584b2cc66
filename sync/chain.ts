import { sm3Hex } from './crypto/gm.js';

export const GENESIS_CHAIN_HASH = '0'.repeat(64);

export interface ChainFields {
  evalId: string;
  seq: number;
  satisfaction: number;
  assessTime: string;
  proManager: string;
  projectNo?: string | undefined;
}

/** The province's tamper-evidence chain (province-api.md, Record.chainHash). */
export function chainHash(prev: string, f: ChainFields): string {
  return sm3Hex([prev, f.evalId, String(f.seq), String(f.satisfaction), f.assessTime, f.proManager, f.projectNo ?? ''].join('|'));
}

/** Verifies a run of records in seq order; returns the first seq that breaks the chain, or null. */
export function verifyChain(records: readonly (ChainFields & { chainHash: string })[], start = GENESIS_CHAIN_HASH): number | null {
  let prev = start;
  for (const r of records) {
    if (chainHash(prev, r) !== r.chainHash) return r.seq;
    prev = r.chainHash;
  }
  return null;
}
