import { NODE_TIMERS, type Timers } from './timers.js';

/** What may end the uploader's wait early. */
export type WakeReason = 'rating' | 'province' | 'stop';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The uploader's one wait at a time, and which news may cut it short. */
export class UploadWait {
  private current: ((why: WakeReason) => void) | null = null;

  constructor(private readonly timers: Timers = NODE_TIMERS) {}

  wake(why: WakeReason): void {
    this.current?.(why);
  }

  /**
   * Waits `ms` (forever: Infinity). An idle wait ends for any news; a backoff is not cut short by a new rating (that
   * would hammer a failing province), only by a heartbeat showing the province is back; a Retry-After only by stop.
   */
  sleep(ms: number, kind: 'idle' | 'backoff' | 'retry-after'): Promise<void> {
    return new Promise((resolve) => {
      let handle: unknown;
      const done = () => {
        if (handle !== undefined) this.timers.clear(handle);
        if (this.current === wake) this.current = null;
        resolve();
      };
      const wake = (why: WakeReason) => {
        if (why === 'stop' || kind === 'idle' || (kind === 'backoff' && why === 'province')) done();
      };
      // Node fires a timer past 2^31 - 1 ms at once: whatever asked for it, never wait longer than the cap.
      if (Number.isFinite(ms)) handle = this.timers.set(done, Math.min(ms, MAX_TIMER_MS));
      this.current = wake;
    });
  }
}
