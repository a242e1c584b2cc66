import type { Timers } from '../../sync/timers.js';

interface Event {
  at: number;
  order: number;
  fn: () => void;
  live: boolean;
}

const before = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.order < b.order);

/**
 * A virtual clock for the sync layer's timers (`Timers`): an hour of outage for 2,000 terminals runs in seconds.
 * Events run in time order; after each moment's events, `settle` lets the promise chains they started (and any real
 * I/O) finish before time moves on.
 */
export class VirtualTime implements Timers {
  t = 0;
  private heap: Event[] = [];
  private order = 0;

  readonly now = (): number => this.t;

  set(fn: () => void, ms: number): unknown {
    const e: Event = { at: this.t + Math.max(0, ms), order: this.order++, fn, live: true };
    this.push(e);
    return e;
  }

  clear(handle: unknown): void {
    (handle as Event).live = false;
  }

  /** Runs moments until `done()` holds after one, or time would pass `limit`; true if `done()` held. */
  async run(limit: number, done: () => boolean, settle: () => Promise<void> = nextTurn): Promise<boolean> {
    await settle();
    while (!done()) {
      const next = this.peek();
      if (!next || next.at > limit) {
        this.t = Math.max(this.t, limit);
        return false;
      }
      this.t = next.at;
      while (this.peek()?.at === this.t) {
        const e = this.pop();
        if (e?.live) e.fn();
      }
      await settle();
    }
    return true;
  }

  private peek(): Event | undefined {
    while (this.heap[0] && !this.heap[0].live) this.pop();
    return this.heap[0];
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as Event, h[p] as Event)) break;
      [h[i], h[p]] = [h[p] as Event, h[i] as Event];
      i = p;
    }
  }

  private pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as Event, h[m] as Event)) m = l;
        if (r < h.length && before(h[r] as Event, h[m] as Event)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Event, h[i] as Event];
        i = m;
      }
    }
    return top;
  }
}

/** Lets every promise chain started so far run to its next real wait. */
export const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A seeded generator (mulberry32), so a simulated fleet is the same fleet in every run. */
export { seeded } from '../../sync/province-sim/seeded.js';
