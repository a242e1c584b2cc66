export { formatCst, startOfCstDay } from '../bridge/formats.js';

/** Cancels a scheduled callback; calling it after the callback ran, or twice, does nothing. */
export type Cancel = () => void;

/**
 * The terminal's corrected clock (local time plus the offset learned from the province) and the only way the
 * core schedules anything, so one fake clock drives every timeout, window and day in tests.
 */
export interface Clock {
  now(): number;
  /** Whether the offset to the province's clock is known (records carry it as `clockTrusted`). */
  trusted(): boolean;
  /** Runs `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Cancel;
}

/** Node's timers behind the port; unref'd, since the servers, not a pending timeout, keep a terminal running. */
export function realTimers(now: () => number, trusted: () => boolean): Clock {
  return {
    now,
    trusted,
    after(ms, fn) {
      const t = setTimeout(fn, ms);
      t.unref();
      return () => clearTimeout(t);
    },
  };
}

export const systemClock: Clock = realTimers(Date.now, () => false);

/** Runs `fn` every `ms` on the clock port until cancelled (no drift correction: hourly jobs do not need it). */
export function every(clock: Clock, ms: number, fn: () => void): Cancel {
  let cancel: Cancel = () => undefined;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    cancel = clock.after(ms, tick);
    fn();
  };
  cancel = clock.after(ms, tick);
  return () => {
    stopped = true;
    cancel();
  };
}
