import { every, type Cancel, type Clock } from './clock.js';
import type { TerminalConfig } from './config.js';
import type { Logger, SessionReads } from './ports.js';
import type { RatingBook } from './ratings.js';

/** How often the runtime looks for sessions due a default rating. */
export const DEFAULTS_EVERY_MS = 3_600_000;
const BATCH = 200;

/**
 * 默认评价: where the province asks for it (`rating.defaultAfterDays`), an invitation left unrated for that many
 * days is reported as satisfaction 3, evaluateType 3. Idempotent through `sessions.defaulted_at`.
 */
export function generateDefaults(d: { config: TerminalConfig; reads: SessionReads; book: RatingBook; now: number; log: Logger }): number {
  const days = d.config.rating.defaultAfterDays;
  if (days === null) return 0;
  let total = 0;
  for (;;) {
    const due = d.reads.dueForDefault(d.now - days * 86_400_000, BATCH);
    for (const row of due) d.book.recordDefault(row, d.now);
    total += due.length;
    if (due.length < BATCH) break;
  }
  if (total) d.log.info({ sessions: total }, 'default ratings generated for unrated sessions');
  return total;
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
