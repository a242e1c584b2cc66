import type { DatabaseSchema } from './schema-rules.js';
import { layoutOf, linkedVersion, listReleases } from './layout.js';
import { MAX_TRIAL_STARTS, readTrialState } from './trial-state.js';

/** Which release runs, which is known good, the trial and the last rollback and attempt: cheap, for a screen that refreshes. */
export function trialSummary(releasesDir: string, trialMinutes: number | null) {
  const l = layoutOf(releasesDir);
  const current = linkedVersion(l.current, l);
  const good = linkedVersion(l.good, l) ?? current;
  const s = readTrialState(l);
  const onTrial = current !== null && current !== good;
  return {
    current,
    lastKnownGood: good,
    trial: {
      onTrial,
      version: onTrial ? current : null,
      starts: onTrial && s.trialOf === current ? s.starts : 0,
      maxStarts: MAX_TRIAL_STARTS,
      trialMinutes,
    },
    rolledBackFrom: s.rolledBackFrom,
    rolledBackAt: s.rolledBackAt,
    lastAttempt: s.lastAttempt ?? null,
    state: s,
  };
}

/** What `hcp-terminal releases` prints: the releases, which runs, which is known good, the trial and what happened. */
export function releasesReport(releasesDir: string, d: { database: DatabaseSchema | null; trialMinutes: number | null }) {
  const l = layoutOf(releasesDir);
  const { current, lastKnownGood: good, trial, rolledBackFrom, rolledBackAt, lastAttempt, state: s } = trialSummary(releasesDir, d.trialMinutes);
  return {
    releasesDir,
    current,
    lastKnownGood: good,
    trial,
    rolledBackFrom,
    rolledBackAt,
    highestSeq: s.highestSeq,
    database: d.database,
    releases: listReleases(l).map((r) => ({
      version: r.version,
      seq: r.seq,
      schema: r.schema,
      current: r.version === current,
      lastKnownGood: r.version === good,
      failedTrial: s.failed.includes(r.version),
    })),
    lastAttempt,
    history: s.history.slice(-20),
  };
}

/** The heartbeat's `software` (province-api.md v1.2), for the release that runs under a launcher. */
export interface SoftwareStatus {
  version: string;
  trial: boolean;
  rolledBackFrom?: string;
}

export function softwareStatus(version: string, releasesDir: string | undefined): SoftwareStatus {
  if (!releasesDir) return { version, trial: false };
  const l = layoutOf(releasesDir);
  const current = linkedVersion(l.current, l);
  const good = linkedVersion(l.good, l);
  const s = readTrialState(l);
  return { version, trial: current !== null && good !== null && current !== good, ...(s.rolledBackFrom ? { rolledBackFrom: s.rolledBackFrom } : {}) };
}
