import { z } from 'zod';
import { chainHash } from '../chain.js';
import { verifyBundle, type ForeignBundle } from '../export-bundle.js';

/** What the importing terminal knows of itself, to check a bundle before it takes it. */
export interface ImporterKnowledge {
  /** This terminal's own id: a bundle claiming it is refused (its seqs would collide with this terminal's own). */
  terminalId: string | null;
  /** The secret of an app key this terminal holds (terminals of one hall often share one); null for any other. */
  secretOf: (appKey: string) => string | null;
}

const chainRecord = z.object({
  evalId: z.string(),
  seq: z.number().int().min(1),
  satisfaction: z.number().int(),
  assessTime: z.string(),
  proManager: z.string(),
  projectNo: z.string().nullish(),
  chainHash: z.string(),
});

/**
 * What can be checked here before the province sees the bundle: who it claims to be from, its signature when
 * this terminal holds the app secret, and the hash chain between records of consecutive seq (a changed record
 * breaks the link to the next one; only the first record of a run is left to the province). Null when it passes.
 */
export function checkForeignBundle(b: ForeignBundle, k: ImporterKnowledge): string | null {
  if (k.terminalId !== null && b.terminalId === k.terminalId) {
    return `it claims to come from this terminal (${b.terminalId}): a terminal's own records upload from its own queue, never as a relayed bundle`;
  }
  if (k.secretOf(b.bundle.appKey) !== null) {
    const v = verifyBundle(b.bundle, k.secretOf);
    if (!v.ok) return `${v.error}: the file was changed after it was exported`;
  }
  let prev: z.infer<typeof chainRecord> | null = null;
  for (const raw of b.bundle.records) {
    const r = chainRecord.safeParse(raw);
    const cur = r.success ? r.data : null;
    if (prev && cur && cur.seq === prev.seq + 1 && chainHash(prev.chainHash, { ...cur, projectNo: cur.projectNo ?? undefined }) !== cur.chainHash) {
      return `record seq ${String(cur.seq)} does not follow seq ${String(prev.seq)} in the hash chain: the file was changed after it was exported`;
    }
    prev = cur;
  }
  return null;
}
