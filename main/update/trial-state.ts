import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { layoutOf, writeFileDurably, type Layout } from './layout.js';

/** How many starts a release on trial gets before the launcher goes back to the last known good one. */
export const MAX_TRIAL_STARTS = 3;

const eventSchema = z.object({
  at: z.string(),
  kind: z.enum(['installed', 'start', 'good', 'rolled-back', 'manual-rollback']),
  version: z.string(),
  detail: z.string().optional(),
});
export type TrialEvent = z.infer<typeof eventSchema>;

const stateSchema = z.object({
  /** The release the start count belongs to; a count for another release means nothing. */
  trialOf: z.string().nullable().default(null),
  starts: z.number().int().min(0).default(0),
  /** The highest seq ever installed: a bundle must be above it even if its release folder was deleted since. */
  highestSeq: z.number().int().min(0).default(0),
  rolledBackFrom: z.string().nullable().default(null),
  rolledBackAt: z.string().nullable().default(null),
  /** Releases that failed their trial: kept on disk to be looked at, never started again by the launcher. */
  failed: z.array(z.string()).default([]),
  /** The last `update` attempt, refused or not, for the diagnostics screen. */
  lastAttempt: z
    .object({ at: z.string(), ok: z.boolean(), file: z.string(), version: z.string().optional(), reason: z.string().optional(), message: z.string() })
    .optional(),
  /** The last events, newest last, for `releases` and diagnostics. */
  history: z.array(eventSchema).default([]),
});
export type TrialState = z.infer<typeof stateSchema>;

export function readTrialState(l: Layout): TrialState {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(readFileSync(l.trialFile, 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Missing (a fresh install) or unreadable: start from nothing; the symlinks still say what runs.
  }
  return stateSchema.parse({});
}

export function writeTrialState(l: Layout, s: TrialState): void {
  const history = s.history.slice(-50);
  writeFileDurably(l.trialFile, JSON.stringify({ ...s, history }, null, 2) + '\n');
}

export function withEvent(s: TrialState, kind: TrialEvent['kind'], version: string, detail?: string): TrialState {
  return { ...s, history: [...s.history, { at: new Date().toISOString(), kind, version, ...(detail ? { detail } : {}) }] };
}

/** The last install attempt (`hcp-terminal update`, a USB drive's, or an announced one), kept for `releases` and diagnostics. */
export function recordAttempt(releasesDir: string, attempt: { ok: boolean; file: string; version?: string; reason?: string; message: string }): void {
  try {
    const l = layoutOf(releasesDir);
    if (!existsSync(l.releasesDir)) return;
    const s = readTrialState(l);
    writeTrialState(l, { ...s, lastAttempt: { at: new Date().toISOString(), ...attempt } });
  } catch {
    // Read-only release folder (an unprivileged user trying): the message and the log still say why.
  }
}
