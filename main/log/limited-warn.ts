/** How many warnings of one kind a minute reach the log; the rest are counted and said in one line. */
export const WARNINGS_PER_MINUTE = 10;
const WINDOW_MS = 60_000;

/** A warning anyone on the machine can cause, by kind (a fixed name per call site), with its message and fields. */
export type LimitedWarn = (kind: string, msg: string, fields?: object) => void;

interface Timers {
  now(): number;
  /** Runs `fn` once, `ms` from now; returns a cancel. */
  after(ms: number, fn: () => void): () => void;
}

interface Window {
  start: number;
  logged: number;
  suppressed: number;
  msg: string;
  summary: (() => void) | null;
}

/**
 * Warnings from unauthenticated sources (a wrong kiosk claim, a foreign Host, a refused bridge socket): the first
 * few of each kind a minute are logged as they come, the rest only counted, and when the minute is over one line
 * says how many were left out. Twenty thousand refused claims an hour then cost the disk a few hundred lines.
 */
export function limitedWarnings(log: { warn(obj: object, msg: string): void }, timers: Timers, perMinute = WARNINGS_PER_MINUTE): LimitedWarn {
  const windows = new Map<string, Window>();
  const summarise = (kind: string, w: Window) => {
    w.summary = null;
    if (w.suppressed > 0) log.warn({ kind, suppressed: w.suppressed }, `${w.msg}: suppressed ${String(w.suppressed)} more in the last minute`);
    w.suppressed = 0;
  };
  return (kind, msg, fields = {}) => {
    const now = timers.now();
    let w = windows.get(kind);
    if (!w || now - w.start >= WINDOW_MS) {
      if (w) {
        w.summary?.();
        summarise(kind, w);
      }
      w = { start: now, logged: 0, suppressed: 0, msg, summary: null };
      windows.set(kind, w);
    }
    if (w.logged < perMinute) {
      w.logged += 1;
      log.warn(fields, msg);
      return;
    }
    w.suppressed += 1;
    const current = w;
    current.summary ??= timers.after(current.start + WINDOW_MS - now, () => summarise(kind, current));
  };
}
