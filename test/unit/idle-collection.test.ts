import { describe, expect, it } from 'vitest';
import type { TerminalEvent } from '../../main/core/events.js';
import { fullCollection, IDLE_COLLECTION, scheduleIdleCollection } from '../../main/runtime/idle-collection.js';
import { FakeClock } from '../helpers/fake-clock.js';

const RATED: TerminalEvent = { type: 'session.rated', sessionId: 's1', satisfaction: 5, ratedAt: '2026-12-07T10:00:00+08:00' };

function rig() {
  const clock = new FakeClock(0);
  const listeners: ((e: TerminalEvent) => void)[] = [];
  const state = { busy: false, collections: 0, warnings: [] as string[] };
  const stop = scheduleIdleCollection(
    clock,
    () => state.collections++,
    (l) => {
      listeners.push(l);
      return () => listeners.splice(listeners.indexOf(l), 1);
    },
    () => state.busy,
    { info: () => undefined, error: () => undefined, warn: (_o, msg) => state.warnings.push(msg ?? '') },
  );
  const emit = (e: TerminalEvent) => listeners.forEach((l) => l(e));
  return { clock, state, stop, emit, listeners };
}

describe('the terminal’s memory given back in a quiet spell', () => {
  it('collects once, 20 s after the last rating, and not again until someone rates', () => {
    const r = rig();
    r.clock.advance(120_000);
    expect(r.state.collections).toBe(0);
    r.emit(RATED);
    r.clock.advance(15_000);
    r.emit({ type: 'session.opened', sessionId: 's2', expiresAt: '2026-12-07T10:05:00+08:00' });
    r.clock.advance(IDLE_COLLECTION.quietMs - IDLE_COLLECTION.everyMs);
    expect(r.state.collections).toBe(0);
    r.clock.advance(2 * IDLE_COLLECTION.everyMs);
    expect(r.state.collections).toBe(1);
    r.clock.advance(600_000);
    expect(r.state.collections).toBe(1);
  });

  it('never while an invitation or follow-up is open, nor for the uploader’s or devices’ news', () => {
    const r = rig();
    r.emit({ type: 'sync.status', sync: {} as never });
    r.emit({ type: 'device.status', devices: {} });
    r.clock.advance(120_000);
    expect(r.state.collections).toBe(0);
    r.emit(RATED);
    r.state.busy = true;
    r.clock.advance(600_000);
    expect(r.state.collections).toBe(0);
    r.state.busy = false;
    r.clock.advance(IDLE_COLLECTION.quietMs + IDLE_COLLECTION.everyMs);
    expect(r.state.collections).toBe(1);
  });

  it('once more after a backlog is sent, counted from its last upload, and not for uploads that leave nothing sent', () => {
    const r = rig();
    const sync = (pending: number): TerminalEvent => ({
      type: 'sync.status',
      sync: { pending, deadLetter: 0, lastUploadAt: null, lastError: null, online: pending === 0 },
    });
    r.emit(RATED);
    r.clock.advance(IDLE_COLLECTION.quietMs + IDLE_COLLECTION.everyMs);
    expect(r.state.collections).toBe(1);
    // The network comes back an hour later: 3,000 ratings kept offline go out over ten minutes.
    r.clock.advance(3_600_000);
    for (let left = 3_000; left > 0; left -= 50) {
      r.emit(sync(left));
      r.clock.advance(10_000);
    }
    expect(r.state.collections).toBe(1);
    r.emit(sync(0));
    r.clock.advance(IDLE_COLLECTION.quietMs - IDLE_COLLECTION.everyMs);
    expect(r.state.collections).toBe(1);
    r.clock.advance(2 * IDLE_COLLECTION.everyMs);
    expect(r.state.collections).toBe(2);
    // Nothing queued, or a queue the province does not take: the uploader's news owe nothing.
    r.emit(sync(0));
    r.emit(sync(0));
    r.emit(sync(7));
    r.emit(sync(7));
    r.clock.advance(600_000);
    expect(r.state.collections).toBe(2);
  });

  it('stops with the terminal', () => {
    const r = rig();
    r.emit(RATED);
    r.stop();
    r.clock.advance(120_000);
    expect(r.state.collections).toBe(0);
    expect(r.listeners).toHaveLength(0);
  });

  it('gives V8’s heap back: what was garbage is no longer committed', () => {
    const collect = fullCollection();
    expect(collect).not.toBeNull();
    let garbage: object[] | null = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `rating ${String(i)}` }));
    expect(garbage).toHaveLength(300_000);
    const before = process.memoryUsage().heapTotal;
    garbage = null;
    collect?.();
    const after = process.memoryUsage().heapTotal;
    expect(before - after).toBeGreaterThan(10 * 1024 * 1024);
    expect('gc' in globalThis).toBe(false);
  });
});
