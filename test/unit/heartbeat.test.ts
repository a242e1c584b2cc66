import { describe, expect, it } from 'vitest';
import type { Cancel } from '../../main/core/clock.js';
import { Heartbeat } from '../../sync/heartbeat.js';
import type { HeartbeatOutcome, HeartbeatSink } from '../../sync/province/adapter.js';
import { silentLog } from '../helpers/core.js';
import { FakeClock } from '../helpers/fake-clock.js';

function rig(opts: { jitter?: number; answer?: HeartbeatOutcome } = {}) {
  const clock = new FakeClock(0);
  const beats: number[] = [];
  const oks: string[] = [];
  const sink: HeartbeatSink = {
    beat: () => {
      beats.push(clock.now());
      return Promise.resolve(opts.answer ?? { kind: 'ok', serverTime: clock.now(), configVersion: 'v7' });
    },
  };
  let r = 0;
  const hb = new Heartbeat({
    sink,
    body: () => ({}),
    onOk: (v) => oks.push(v),
    log: silentLog,
    timers: { set: (fn, ms) => clock.after(ms, fn), clear: (h) => (h as Cancel)() },
    // A spread of draws, the same in every run.
    random: () => (r = (r * 7 + 3) % 11) / 10,
    ...(opts.jitter === undefined ? {} : { jitter: opts.jitter }),
  });
  return { clock, beats, oks, hb };
}

const gaps = (xs: number[]) => xs.slice(1).map((x, i) => x - (xs[i] ?? 0));

describe('heartbeat', () => {
  it('beats at start, then about every minute, each wait jittered within ±10 % so terminals booted together drift apart', async () => {
    const { clock, beats, oks, hb } = rig();
    hb.start();
    for (let i = 0; i < 60; i++) {
      clock.advance(10_000);
      await Promise.resolve();
    }
    hb.stop();
    expect(beats[0]).toBe(0);
    const g = gaps(beats);
    expect(g.length).toBeGreaterThanOrEqual(9);
    expect(Math.min(...g)).toBeGreaterThanOrEqual(54_000);
    expect(Math.max(...g)).toBeLessThanOrEqual(66_000);
    expect(new Set(g).size).toBeGreaterThan(3);
    await Promise.resolve();
    expect(oks.length).toBe(beats.length);
    expect(oks[0]).toBe('v7');
  });

  it('keeps an exact minute with the jitter off, and stops beating when stopped', () => {
    const { clock, beats, hb } = rig({ jitter: 0 });
    hb.start();
    clock.advance(180_000);
    expect(gaps(beats)).toEqual([60_000, 60_000, 60_000]);
    hb.stop();
    clock.advance(600_000);
    expect(beats).toHaveLength(4);
    expect(clock.scheduled).toBe(0);
  });

  it('does not report a failed beat as the province being back', async () => {
    const { clock, oks, hb } = rig({ answer: { kind: 'transient', reason: 'down' } });
    hb.start();
    clock.advance(120_000);
    await new Promise((r) => setImmediate(r));
    hb.stop();
    expect(oks).toEqual([]);
  });
});
