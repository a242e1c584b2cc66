import { z } from 'zod';
import { chainHash, GENESIS_CHAIN_HASH } from '../chain.js';
import { verifyBundle, type ForeignBundle } from '../export-bundle.js';
import type { Dialect } from '../province/adapter.js';
import { GOV_FORM_MAX_PROJECT_NO, projectNoOf, sessionOf } from '../province/gov-form/payload.js';
import { evaluationRecordSchema } from '../record.js';

/** What the importing terminal knows of itself, to check a bundle before it takes it. */
export interface ImporterKnowledge {
  /** This terminal's own id: a bundle claiming it is refused (its seqs would collide with this terminal's own). */
  terminalId: string | null;
  /** The secret of an app key this terminal holds (terminals of one hall often share one); null for any other. */
  secretOf: (appKey: string) => string | null;
  /**
   * The dialect this terminal relays in. `gov-form` sends a bundle's records one by one: the province never sees the
   * bundle's signature, so this terminal is the only one that can check it. Absent: none is known (nothing is held).
   */
  dialect?: Dialect | null;
  /** This terminal's own app key (appMark), when known: a bundle under it is one it could verify with its secret. */
  ownAppKey?: string | null;
}

/** What the check concluded: refused outright, held for a technician (stored, never relayed), or fine (null). */
export type BundleVerdict = { refuse: string } | { hold: string } | null;

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
 * What can be checked here before the province sees the bundle: who it claims to be from, its signature when this
 * terminal holds the app secret, and the hash chain: seq 1 from the chain's zero start, and between records of
 * consecutive seq (a changed record breaks the link to the next one). In gov-form, where the province sees no bundle
 * signature, a bundle whose signature this terminal cannot check is held, and one whose records the province's 50
 * character projectNo cannot carry is refused by field.
 */
export function checkForeignBundle(b: ForeignBundle, k: ImporterKnowledge): BundleVerdict {
  if (k.terminalId !== null && b.terminalId === k.terminalId) {
    return { refuse: `it claims to come from this terminal (${b.terminalId}): a terminal's own records upload from its own queue, never as a relayed bundle` };
  }
  const secret = k.secretOf(b.bundle.appKey);
  if (secret !== null) {
    const v = verifyBundle(b.bundle, k.secretOf);
    if (!v.ok) return { refuse: `${v.error}: the file was changed after it was exported` };
  }
  const broken = chainBreak(b.bundle.records);
  if (broken) return { refuse: broken };
  if (k.dialect === 'gov-form') {
    const tooLong = govFormProjectNoTooLong(b.bundle.records);
    if (tooLong) return { refuse: tooLong };
    if (secret === null && k.ownAppKey === b.bundle.appKey) {
      return { hold: `this terminal could not open its own app secret to check the bundle's signature now; it checks it again when it starts` };
    }
    if (secret === null) {
      return {
        hold: `made under app ${b.bundle.appKey}, whose key this terminal does not hold: a gov-form province never sees a bundle's signature, so it is not relayed unchecked; carry it to a terminal of app ${b.bundle.appKey}, or let ${b.terminalId} send its own records`,
      };
    }
  }
  return null;
}

function chainBreak(records: readonly unknown[]): string | null {
  let prev: z.infer<typeof chainRecord> | null = null;
  for (const raw of records) {
    const r = chainRecord.safeParse(raw);
    const cur = r.success ? r.data : null;
    const fields = cur && { ...cur, projectNo: cur.projectNo ?? undefined };
    // seq 1 has the chain's start before it whatever the bundle holds: a changed first record cannot hide there.
    if (cur && fields && cur.seq === 1 && chainHash(GENESIS_CHAIN_HASH, fields) !== cur.chainHash) {
      return `record seq 1 does not start the hash chain (from 64 zeros): the file was changed after it was exported`;
    }
    if (prev && cur && fields && cur.seq === prev.seq + 1 && chainHash(prev.chainHash, fields) !== cur.chainHash) {
      return `record seq ${String(cur.seq)} does not follow seq ${String(prev.seq)} in the hash chain: the file was changed after it was exported`;
    }
    prev = cur;
  }
  return null;
}

/** gov-form: a record without a 办件编号 goes as `{terminalId}-{sessionId}`, which the province takes only up to 50 characters. */
function govFormProjectNoTooLong(records: readonly unknown[]): string | null {
  for (const [i, raw] of records.entries()) {
    const r = evaluationRecordSchema.safeParse(raw);
    if (!r.success) continue;
    const projectNo = projectNoOf({ ...r.data, sessionId: sessionOf(r.data) });
    if (projectNo.length <= GOV_FORM_MAX_PROJECT_NO) continue;
    const id = r.data.terminalId;
    const room = GOV_FORM_MAX_PROJECT_NO - (projectNo.length - id.length);
    return `records[${String(i)}].terminalId: "${id}" is ${String(id.length)} characters; a record without a 办件编号 goes to a gov-form province as projectNo "{terminalId}-{sessionId}" (here ${String(projectNo.length)} characters), which must fit the province's ${String(GOV_FORM_MAX_PROJECT_NO)}: at most ${String(Math.max(0, room))} characters, as provisioning requires of a gov-form terminal id`;
  }
  return null;
}
