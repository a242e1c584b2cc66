import type { Database } from 'better-sqlite3';
import { every, type Cancel, type Clock } from '../core/clock.js';
import { scheduleDefaultRatings } from '../core/default-ratings.js';
import type { Logger } from '../core/ports.js';
import type { Terminal } from '../core/terminal.js';
import { scheduleCheckpoints } from '../store/checkpoints.js';
import { fullCollection, scheduleIdleCollection } from './idle-collection.js';

/**
 * The running terminal's timed chores, kept out of the citizen's way: default ratings when they fall due, the audit
 * log's daily purge, and, while no invitation or follow-up is open, the WAL checkpoint and the quiet spell's collection.
 * Returns what stops them all.
 */
export function scheduleHousekeeping(o: {
  clock: Clock;
  db: Database;
  terminal: Terminal;
  audit: { purge(): number };
  log: Logger;
  /** The quiet spell's collection; V8's own when absent, none with null (RuntimeOptions.collect). */
  collect?: (() => void) | null | undefined;
}): Cancel {
  const { clock, terminal, log } = o;
  const atWork = () => ['inviting', 'follow-up'].includes(terminal.state());
  const collect = o.collect === undefined ? fullCollection() : o.collect;
  const stops = [
    scheduleDefaultRatings(clock, () => terminal.generateDefaults(), log),
    every(clock, 86_400_000, () => o.audit.purge()),
    scheduleCheckpoints(o.db, clock, atWork, log),
    collect ? scheduleIdleCollection(clock, collect, (l) => terminal.onEvent(l), atWork, log) : () => undefined,
  ];
  return () => stops.forEach((stop) => stop());
}
