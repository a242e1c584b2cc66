import type { Cancel, Clock } from '../../main/core/clock.js';

interface Pending {
  at: number;
  order: number;
  fn: () => void;
  live: boolean;
}

/**
 * One clock for the core's time and its timers: `advance()` moves time and runs every callback that falls due,
 * in order, each at its own moment, so a day of a window runs in milliseconds and nothing waits for real.
 */
export class FakeClock implements Clock {
  private pending: Pending[] = [];
  private order = 0;

  constructor(public t = Date.UTC(2026, 10, 24, 2, 0, 0)) {}

  now(): number {
    return this.t;
  }

  /** Whether the clock is vouched for by the province (records' clockTrusted; 默认评价 waits for it). */
  isTrusted = false;

  trusted(): boolean {
    return this.isTrusted;
  }

  after(ms: number, fn: () => void): Cancel {
    const p: Pending = { at: this.t + Math.max(0, ms), order: this.order++, fn, live: true };
    this.pending.push(p);
    return () => {
      p.live = false;
    };
  }

  /** Moves time forward by `ms`, running due callbacks (including ones they schedule) at their due times. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      this.pending = this.pending.filter((p) => p.live);
      const next = this.pending.filter((p) => p.at <= until).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      next.live = false;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = until;
  }

  /** Callbacks still waiting (a test can check nothing is left behind). */
  get scheduled(): number {
    return this.pending.filter((p) => p.live).length;
  }
}
