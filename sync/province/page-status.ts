import { z } from 'zod';
import type { PageStatusOutcome } from './adapter.js';

/** An `evalId` or `assessTime` longer than this is not the province's: a status answer carries short strings. */
const MAX_FIELD_CHARS = 128;

/** What a dialect's status answer says, read from its wire (satisfaction already in the terminal's numbering, or absent). */
export interface StatusAnswer {
  sessionId: string;
  rated: boolean;
  satisfaction?: number | undefined;
  evalId?: string | undefined;
  assessTime?: string | undefined;
}

/** v1.1: an optional field may arrive as `null`, which means absent. */
export const optionalText = z
  .string()
  .max(MAX_FIELD_CHARS)
  .nullish()
  .transform((v) => v ?? undefined);

const level = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]);

/**
 * province-page.md, Faults: an answer about another session, or with a satisfaction outside 1–5, is ignored (a
 * `transient` saying why, for the caller's log); otherwise the answer as the terminal believes it.
 */
export function judgeStatus(expectedSessionId: string, a: StatusAnswer): PageStatusOutcome {
  if (a.sessionId !== expectedSessionId) {
    return { kind: 'transient', reason: `the status answer is for another session (${a.sessionId.slice(0, 64)}), not ${expectedSessionId}` };
  }
  let satisfaction: 1 | 2 | 3 | 4 | 5 | undefined;
  if (a.satisfaction !== undefined) {
    const l = level.safeParse(a.satisfaction);
    if (!l.success) return { kind: 'transient', reason: `the status answer's satisfaction ${String(a.satisfaction)} is outside 1–5` };
    satisfaction = l.data;
  }
  return {
    kind: 'status',
    sessionId: a.sessionId,
    rated: a.rated,
    ...(satisfaction === undefined ? {} : { satisfaction }),
    ...(a.evalId === undefined ? {} : { evalId: a.evalId }),
    ...(a.assessTime === undefined ? {} : { assessTime: a.assessTime }),
  };
}
