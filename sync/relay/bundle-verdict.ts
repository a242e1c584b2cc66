import { credentialRefusal } from '../province/credentials.js';
import type { UploadOutcome } from '../province/adapter.js';

/** 4xx answers a retry might still fix (province-api: 401 "retry with backoff"), tried this often before a bundle is dead. */
export const MAX_BUNDLE_REFUSALS = 5;

/**
 * Whether the province's answer makes a bundle a dead letter, and under which code: only the exporting terminal
 * can re-make a bundle. 400 (not a bundle), 413 and 401 BAD_SIGNATURE (the other terminal's signature: no retry
 * from here can fix it) at once; any other 4xx but 429 after MAX_BUNDLE_REFUSALS tries with backoff. 403, 429 and
 * CLOCK_SKEW are about this terminal, not the bundle: they pause everything, as for a batch; so does an unknown app.
 */
export function deadLetterReason(o: Exclude<UploadOutcome, { kind: 'results' }>, refusalsSoFar: number): string | null {
  if (o.kind === 'too-large') return 'BATCH_TOO_LARGE';
  if (o.kind !== 'refused' || o.status < 400 || o.status >= 500 || o.status === 429) return null;
  // The province does not know this terminal's app (yet): nothing wrong with the bundle, it waits like every record.
  if (credentialRefusal(o)?.kind === 'unknown-app') return null;
  if (o.status === 400 || (o.status === 401 && o.code === 'BAD_SIGNATURE')) return o.code || `HTTP_${String(o.status)}`;
  return refusalsSoFar + 1 >= MAX_BUNDLE_REFUSALS ? o.code || `HTTP_${String(o.status)}` : null;
}
