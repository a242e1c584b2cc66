import type { Database } from 'better-sqlite3';
import { every, type Cancel, type Clock } from '../core/clock.js';
import type { Logger } from '../core/ports.js';

export const CHECKPOINT_EVERY_MS = 5_000;

/**
 * Folds the WAL back into the database while nobody is rating. SQLite's own checkpoint runs inside the commit that
 * takes the WAL past 1,000 pages: that citizen's rating waits for the copy and the database's fsync (the durable
 * commit's p99, docs/performance.md). Checkpointing every few seconds while no invitation is open keeps the WAL far
 * below that mark, so in a hall's rhythm the commit never pays for it; SQLite's own stays as the bound for a window
 * that never rests. Durability is unchanged: a commit is in the WAL on disk (synchronous=FULL) before it is
 * acknowledged; a checkpoint only moves it.
 */
export function scheduleCheckpoints(db: Database, clock: Clock, busy: () => boolean, log: Logger): Cancel {
  return every(clock, CHECKPOINT_EVERY_MS, () => {
    if (!db.open || busy()) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      log.warn({ err }, 'WAL checkpoint failed; trying again shortly');
    }
  });
}
