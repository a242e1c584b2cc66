import type { Database } from 'better-sqlite3';
import { every, type Cancel, type Clock } from '../core/clock.js';
import type { Logger } from '../core/ports.js';

export const CHECKPOINT_EVERY_MS = 5_000;
/** However busy the window, the WAL is folded back at least this often (a queue of citizens never keeps it growing). */
const FORCE_AFTER_MS = 60_000;

/**
 * Moves SQLite's WAL checkpoints out of the ratings' commits. With SQLite's automatic checkpoint, the commit that
 * pushes the WAL past 1,000 pages also copies them into the database and fsyncs it: that citizen's rating waits for
 * it (the durable commit's p99, docs/performance.md). Instead, checkpoints run every few seconds while no
 * invitation is open, and at least once a minute regardless. Durability is unchanged: a commit is on disk in the
 * WAL (synchronous=FULL) before it is acknowledged; a checkpoint only moves it.
 */
export function scheduleCheckpoints(db: Database, clock: Clock, busy: () => boolean, log: Logger): Cancel {
  db.pragma('wal_autocheckpoint = 0');
  let last = clock.now();
  return every(clock, CHECKPOINT_EVERY_MS, () => {
    if (!db.open || (busy() && clock.now() - last < FORCE_AFTER_MS)) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      last = clock.now();
    } catch (err) {
      log.warn({ err }, 'WAL checkpoint failed; trying again shortly');
    }
  });
}
