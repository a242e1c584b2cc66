import type { Database } from 'better-sqlite3';
import type { Log } from '../log/logger.js';
import { warmRatingPath } from './warm-up.js';

/**
 * What a start may leave until the terminal is up (RuntimeOptions.backgroundLater): the province's traffic and the
 * rating path's warm-up, begun once at the most, never by a passive runtime (`provision`) nor once the runtime closed.
 */
export function backgroundStart(o: { passive: boolean; sync: { start(): void } | null; db: Database; log: Log }): { start: () => void; stop: () => void } {
  let background: 'waiting' | 'done' = o.passive ? 'done' : 'waiting';
  return {
    start: () => {
      if (background !== 'waiting') return;
      background = 'done';
      o.sync?.start();
      // After `serve`'s ready line, before the kiosk page's first tap; a warm-up that fails costs only the first tap.
      try {
        warmRatingPath(o.db);
      } catch (err) {
        o.log.warn({ err }, 'warming the rating path failed');
      }
    },
    /** The runtime closes: a start after this does nothing. */
    stop: () => {
      background = 'done';
    },
  };
}
