import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { every, type Cancel, type Clock } from '../core/clock.js';
import type { TerminalEvent } from '../core/events.js';
import type { Logger } from '../core/ports.js';

/** How long nothing happened at the window before the terminal gives its memory back, and how often it looks. */
export const IDLE_COLLECTION = { quietMs: 20_000, everyMs: 5_000 };

/** What a citizen or staff member does: a quiet spell starts after the last of these. */
const ACTIVITY = new Set<TerminalEvent['type']>([
  'session.opened',
  'session.rated',
  'session.unrated',
  'session.cancelled',
  'staff.login',
  'staff.logout',
  'staff.pause',
  'staff.resume',
]);

/**
 * Gives memory back in a quiet spell at the window: once after each run of activity, when nothing happened for
 * `quietMs` and no invitation or follow-up is open, one full collection that compacts the heap and returns its free
 * pages. V8 does this by itself in a browser (its memory reducer, on idle time), but under Node it judges the terminal
 * busy every time it looks (timers, the uploader) and never does: after 4,000 ratings the heap V8 had grown to stayed
 * (docs/performance.md, "The kiosk's memory, fourth pass"). The pause falls where nobody waits for the terminal; a tap
 * that comes in the middle of it waits for it (tens of ms at half a core), once per quiet spell, and the first rating
 * after it costs about 2.5 ms more at full speed (test/bench/idle-collection.perf.ts).
 * An upload queue that empties owes one too, counted from its last upload: a hall's backlog sent once the network is
 * back, long after the last rating, grows the heap as much as the ratings did (the uploader's other news, each attempt
 * and count, would otherwise put the collection off for as long as the province answers).
 */
export function scheduleIdleCollection(
  clock: Clock,
  collect: () => void,
  events: (listener: (e: TerminalEvent) => void) => () => void,
  busy: () => boolean,
  log: Logger,
  pace = IDLE_COLLECTION,
): Cancel {
  let owed = false;
  let quietFor = 0;
  let pending = 0;
  const unsubscribe = events((e) => {
    if (e.type === 'sync.status') {
      const emptied = pending > 0 && e.sync.pending === 0;
      pending = e.sync.pending;
      if (!emptied) return;
    } else if (!ACTIVITY.has(e.type)) return;
    owed = true;
    quietFor = 0;
  });
  const stop = every(clock, pace.everyMs, () => {
    if (!owed) return;
    if (busy()) {
      quietFor = 0;
      return;
    }
    quietFor += pace.everyMs;
    if (quietFor < pace.quietMs) return;
    owed = false;
    try {
      collect();
    } catch (err) {
      log.warn({ err }, 'the idle memory collection failed');
    }
  });
  return () => {
    stop();
    unsubscribe();
  };
}

type FullCollection = (options: { type: 'major'; execution: 'sync'; flavor: 'regular' | 'last-resort' }) => void;

function isCollector(v: unknown): v is FullCollection {
  return typeof v === 'function';
}

/**
 * V8's full collection, by default the one it runs before giving up on memory (every weak reference cleared, the heap
 * compacted and shrunk), or null where this runtime offers none. A regular one returned almost nothing to the system
 * (RSS 113.6 → 113.4 MiB 30 s after 2,000 ratings, against 113.9 → 103.8: docs/performance.md). Taken from a context
 * of its own, so `gc` is never a global of the terminal's code; not from a command-line flag, which Electron would
 * pass on to its renderers too.
 */
export function fullCollection(flavor: 'regular' | 'last-resort' = 'last-resort'): (() => void) | null {
  // Started with --expose-gc on purpose (a bench, an operator): that one is used, and the flag left as it was.
  const given: unknown = (globalThis as { gc?: unknown }).gc;
  let gc: unknown = given;
  if (!isCollector(gc)) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc');
    } catch {
      gc = undefined;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  if (!isCollector(gc)) return null;
  const collect = gc;
  return () => collect({ type: 'major', execution: 'sync', flavor });
}
