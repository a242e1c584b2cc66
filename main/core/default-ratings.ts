import { every, type Cancel, type Clock } from './clock.js';
import type { RatingPolicy, TerminalConfig } from './config.js';
import type { Logger, SessionReads } from './ports.js';
import type { RatingBook } from './ratings.js';
import type { Pf } from './records.js';
import { workingDayCutoff } from './working-days.js';

/** How often the runtime looks for sessions due a default rating. */
export const DEFAULTS_EVERY_MS = 3_600_000;
const BATCH = 200;

/**
 * 默认评价: where the province asks for it (`rating.defaultAfterDays`), an invitation left unrated for that many
 * days is reported as satisfaction 3, evaluateType 3. Idempotent through `sessions.defaulted_at`.
 */
export function generateDefaults(d: { config: TerminalConfig; reads: SessionReads; book: RatingBook; now: number; pf: Pf; log: Logger }): number {
  const before = defaultCutoff(d.config.rating, d.now);
  if (before === null) return 0;
  let total = 0;
  for (;;) {
    const due = d.reads.dueForDefault(before, BATCH);
    for (const row of due) d.book.recordDefault(row, d.now, d.pf);
    total += due.length;
    if (due.length < BATCH) break;
  }
  if (total) d.log.info({ sessions: total }, 'default ratings generated for unrated sessions');
  return total;
}

/** Sessions closed before this are due a default rating: working days win over calendar days (v1.1); null when neither is set. */
export function defaultCutoff(rating: RatingPolicy, now: number): number | null {
  if (rating.defaultAfterWorkingDays !== null) return workingDayCutoff(now, rating.defaultAfterWorkingDays, rating.holidays, rating.workdays);
  if (rating.defaultAfterDays !== null) return now - rating.defaultAfterDays * 86_400_000;
  return null;
}

/** Runs `run` now and every hour on the clock port; a failure is logged and tried again at the next hour. */
export function scheduleDefaultRatings(clock: Clock, run: () => number, log: Logger): Cancel {
  const safely = () => {
    try {
      run();
    } catch (err) {
      log.error({ err }, 'default ratings could not be generated; trying again in an hour');
    }
  };
  safely();
  return every(clock, DEFAULTS_EVERY_MS, safely);
}
