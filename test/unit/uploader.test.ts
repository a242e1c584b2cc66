import { afterEach, describe, expect, it } from 'vitest';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { Failure, ProvinceAdapter, UploadOutcome } from '../../sync/province/adapter.js';
import type { EvaluationRecord } from '../../sync/record.js';
import { Uploader } from '../../sync/uploader.js';
import { openDatabase } from '../../main/store/database.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

const record = () => newRecord({ satisfaction: 5, clockTrusted: true, userName: 'sealed:x' });

/** An adapter that answers from a script, then accepts everything; it records every batch it was sent. */
class ScriptedAdapter implements ProvinceAdapter {
  readonly dialect = 'hcp-json';
  readonly maxRecordsPerSubmit = 200;
  readonly backoffCapMs = 300_000;
  readonly sendsDefaultRatings = true;
  batches: EvaluationRecord[][] = [];
  constructor(private script: (Failure | 'accept' | ((records: readonly EvaluationRecord[]) => UploadOutcome))[]) {}
  submit(records: readonly EvaluationRecord[]): Promise<UploadOutcome> {
    this.batches.push([...records]);
    const step = this.script.shift() ?? 'accept';
    if (step === 'accept') return Promise.resolve({ kind: 'results', results: records.map((r) => ({ evalId: r.evalId, status: 'accepted' })) });
    return Promise.resolve(typeof step === 'function' ? step(records) : step);
  }
  relayBundle(): never {
    throw new Error('unused');
  }
  createLink(): never {
    throw new Error('unused');
  }
  offlineLink(): never {
    throw new Error('unused');
  }
}

function rig(adapter: ProvinceAdapter, n: number, opts: { maxRecords?: number; log?: typeof silentLog } = {}) {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < n; i++) outbox.append(record(), { held: false });
  })();
  const uploader = new Uploader({
    adapter,
    outbox,
    log: silentLog,
    backoffBaseMs: 5,
    backoffCapMs: 20,
    idleMs: 20,
    random: () => 1,
    prepare: (r) => ({ ...r, userName: 'opened' }),
    ...opts,
  });
  stops.push(async () => {
    await uploader.stop();
    db.close();
    dir.cleanup();
  });
  return { outbox, uploader, db };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const states = (o: Outbox) => o.list().map((e) => e.state);

describe('uploader', () => {
  it('says in the log once when the province becomes unreachable and once when it is back, with the queue size', async () => {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const log = new Proxy(silentLog, {
      get: (target, key) =>
        key === 'warn' || key === 'info' ? (obj: Record<string, unknown>, msg: string) => void lines.push({ level: key, obj, msg }) : Reflect.get(target, key),
    });
    const down: Failure = { kind: 'transient', reason: 'connect ECONNREFUSED' };
    const adapter = new ScriptedAdapter([down, down, down, down, 'accept']);
    // One record a batch: the line when it is back gives what is still queued after the first answer.
    const { outbox, uploader } = rig(adapter, 3, { log, maxRecords: 1 });
    uploader.start();
    await until(() => outbox.counts().pending === 0);
    const said = lines.filter((l) => /province (unreachable|reachable)/.test(l.msg));
    expect(said.map((l) => [l.level, l.msg, l.obj['pending']])).toEqual([
      ['warn', 'province unreachable; records are kept and sent when it answers', 3],
      ['info', 'province reachable again', 2],
    ]);
  });

  it('sends in seq order, at most 200 a batch, opens sealed names, and marks accepted and duplicate done', async () => {
    const adapter = new ScriptedAdapter([
      (rs) => ({ kind: 'results', results: rs.map((r, i) => ({ evalId: r.evalId, status: i === 0 ? 'duplicate' : 'accepted' })) }),
    ]);
    const { outbox, uploader } = rig(adapter, 450);
    uploader.start();
    await until(() => outbox.counts().pending === 0);
    expect(adapter.batches.map((b) => b.length)).toEqual([200, 200, 50]);
    expect(adapter.batches.flat().map((r) => r.seq)).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    expect(adapter.batches[0]?.[0]?.userName).toBe('opened');
    expect(new Set(states(outbox))).toEqual(new Set(['duplicate', 'accepted']));
    expect(uploader.status()).toMatchObject({ online: true, lastError: null });
  });

  it('keeps every record through transient failures and refusals, backing off, then sends them', async () => {
    const adapter = new ScriptedAdapter([
      { kind: 'transient', reason: 'HTTP 503: INTERNAL' },
      { kind: 'transient', reason: 'connection failed: ECONNRESET' },
      { kind: 'refused', status: 401, code: 'BAD_SIGNATURE', message: 'no' },
    ]);
    const { outbox, uploader } = rig(adapter, 3);
    const seen: (string | null)[] = [];
    uploader.start();
    await until(() => {
      seen.push(uploader.status().lastError);
      return outbox.counts().pending === 0;
    });
    expect(seen).toContain('HTTP 503: INTERNAL');
    expect(seen.some((e) => e?.includes('BAD_SIGNATURE'))).toBe(true);
    expect(adapter.batches).toHaveLength(4);
    expect(states(outbox)).toEqual(['accepted', 'accepted', 'accepted']);
  });

  it('splits a batch the province finds too large and retries at once', async () => {
    const adapter = new ScriptedAdapter([{ kind: 'too-large' }, { kind: 'too-large' }]);
    const { outbox, uploader } = rig(adapter, 10);
    uploader.start();
    await until(() => outbox.counts().pending === 0);
    // Halved on each 413, then grown back after each success.
    expect(adapter.batches.map((b) => b.length).slice(0, 4)).toEqual([10, 5, 2, 4]);
    expect(adapter.batches.flat().filter((r, i, all) => all.findIndex((x) => x.evalId === r.evalId) === i)).toHaveLength(10);
  });

  it('puts rejected records in dead-letter with the reason, without blocking those behind, and resends on request', async () => {
    const adapter = new ScriptedAdapter([
      (rs) => ({
        kind: 'results',
        results: rs.map((r, i) =>
          i === 1
            ? { evalId: r.evalId, status: 'rejected', code: 'UNKNOWN_STAFF', message: 'proManager SM0012 is unknown' }
            : { evalId: r.evalId, status: 'accepted' },
        ),
      }),
    ]);
    const { outbox, uploader } = rig(adapter, 3);
    uploader.start();
    await until(() => outbox.counts().pending === 0);
    expect(states(outbox)).toEqual(['accepted', 'rejected', 'accepted']);
    const dead = outbox.list({ states: ['rejected'] })[0];
    expect(dead).toMatchObject({ seq: 2, lastCode: 'UNKNOWN_STAFF', lastError: 'proManager SM0012 is unknown' });
    expect(outbox.counts().deadLetter).toBe(1);
    expect(uploader.status().lastError).toMatch(/1 record\(s\) rejected: UNKNOWN_STAFF/);
    // Never resent on its own …
    await new Promise((r) => setTimeout(r, 100));
    expect(adapter.batches).toHaveLength(1);
    // … but a technician's resend sends it again.
    expect(outbox.resend()).toBe(1);
    uploader.notify();
    await until(() => outbox.counts().deadLetter === 0 && outbox.counts().pending === 0);
    expect(adapter.batches.at(-1)?.map((r) => r.seq)).toEqual([2]);
  });

  it('waits for Retry-After, retries at once after CLOCK_SKEW, and pauses on 403 until enabled', async () => {
    const adapter = new ScriptedAdapter([
      { kind: 'rate-limited', retryAfterMs: 150 },
      { kind: 'clock-skew', serverTime: Date.now() + 400_000 },
      { kind: 'disabled', message: 'terminal disabled' },
    ]);
    const { outbox, uploader } = rig(adapter, 1);
    const t0 = Date.now();
    uploader.start();
    await until(() => uploader.status().disabled);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(adapter.batches).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(adapter.batches).toHaveLength(3);
    expect(outbox.counts().pending).toBe(1);
    uploader.enable();
    await until(() => outbox.counts().pending === 0);
    expect(uploader.status().disabled).toBe(false);
  });

  it('sends records left in flight by a crash again at start', async () => {
    const adapter = new ScriptedAdapter([]);
    const { outbox, uploader } = rig(adapter, 2);
    outbox.claim(200, 1 << 20);
    expect(states(outbox)).toEqual(['in-flight', 'in-flight']);
    uploader.start();
    await until(() => outbox.counts().pending === 0);
    expect(states(outbox)).toEqual(['accepted', 'accepted']);
  });

  it('never claims past a held record, so the province sees seq order', () => {
    const { outbox, db } = rig(new ScriptedAdapter([]), 0);
    db.transaction(() => {
      outbox.append(record(), { held: false });
      outbox.append(record(), { held: true });
      outbox.append(record(), { held: false });
    })();
    expect(outbox.claim(200, 1 << 20).map((e) => e.seq)).toEqual([1]);
  });
});

describe('clock offset', () => {
  it('learns serverTime precisely and lets a Date header correct only a real error', () => {
    let local = 1_000_000;
    const c = new ClockOffset(
      () => local,
      null,
      undefined,
      () => local,
    );
    expect(c.known()).toBe(false);
    c.learnDateHeader(new Date(local + 400_000).toUTCString(), local);
    expect(Math.abs((c.value ?? 0) - 400_000)).toBeLessThanOrEqual(1500);
    c.learnServerTime(local + 400_123, local);
    expect(c.value).toBe(400_123);
    c.learnDateHeader(new Date(local + 400_000).toUTCString(), local);
    expect(c.value).toBe(400_123);
    local += 10_000;
    expect(c.now()).toBe(local + 400_123);
    expect(c.known()).toBe(true);
  });
  it('stops vouching for the time when the local clock jumps, until the province answers again', () => {
    const start = Date.UTC(2026, 10, 30, 2);
    let local = start;
    let mono = 0;
    const jumps: number[] = [];
    const c = new ClockOffset(
      () => local,
      null,
      undefined,
      () => mono,
      (ms) => jumps.push(ms),
    );
    c.learnServerTime(start + 2_000, local);
    expect(c.known()).toBe(true);
    // An hour passes on both clocks, with NTP's slew: still vouched for.
    local += 3_600_000 + 800;
    mono += 3_600_000;
    expect(c.known()).toBe(true);
    // Set forward a year: the time is the local clock's, and records say it is not trusted.
    local += 365 * 86_400_000;
    mono += 1_000;
    expect(c.known()).toBe(false);
    expect(jumps).toHaveLength(1);
    // One reading a year off is not believed on its own (a wild reply must not move every record)…
    const truth = () => start + 2_000 + mono;
    c.learnServerTime(truth(), local);
    expect(c.known()).toBe(false);
    // …a second that agrees is, and the corrected time is the province's again.
    local += 60_000;
    mono += 60_000;
    c.learnServerTime(truth(), local);
    expect(c.known()).toBe(true);
    expect(Math.abs(c.now() - truth())).toBeLessThan(5);
    // Back a day: one reading is enough to trust it again.
    local -= 86_400_000 - 1;
    expect(c.known()).toBe(false);
    c.learnServerTime(truth(), local);
    expect(c.known()).toBe(true);
    expect(Math.abs(c.now() - truth())).toBeLessThan(5);
  });
});

describe('uploader against the province simulator', () => {
  it('signs with HMAC-SHA256 too, and a technician’s resend of a rejected record is accepted', async () => {
    const { startProvinceSim } = await import('../../sync/province-sim/simulator.js');
    const { JsonProvinceAdapter } = await import('../../sync/province/json-adapter.js');
    const sim = await startProvinceSim({ apps: [{ appKey: 'k', appSecret: 'secret-123456' }], faults: { rates: { reject: 1 }, skewMs: 0 } });
    stops.push(() => sim.close());
    const adapter = new JsonProvinceAdapter({
      baseUrl: sim.url,
      credentials: { appKey: 'k', appSecret: 'secret-123456', terminalId: 'T-1', signAlg: 'HMAC-SHA256' },
      clock: new ClockOffset(),
    });
    const { outbox, uploader } = rig(adapter, 2);
    uploader.start();
    await until(() => outbox.counts().deadLetter === 2);
    sim.setFaults({ rates: {}, skewMs: 0 });
    expect(outbox.resend()).toBe(2);
    uploader.notify();
    await until(() => outbox.counts().deadLetter === 0 && outbox.counts().pending === 0);
    expect(states(outbox)).toEqual(['accepted', 'accepted']);
    expect([...sim.records.values()].map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(sim.stats).toMatchObject({ invalidSignatures: 0, invalidRecords: 0, duplicates: 0 });
  });
  it('rejects exactly the records whose seq the test names, every time they are judged, with no draw involved', async () => {
    const { startProvinceSim } = await import('../../sync/province-sim/simulator.js');
    const { JsonProvinceAdapter } = await import('../../sync/province/json-adapter.js');
    // No `reject` rate and a generator that never strikes: only the named seqs can be rejected.
    const faults = { rates: {}, rejectSeqs: [2, 4], skewMs: 0 };
    const sim = await startProvinceSim({ apps: [{ appKey: 'k', appSecret: 'secret-123456' }], faults, random: () => 0.999 });
    stops.push(() => sim.close());
    const adapter = new JsonProvinceAdapter({
      baseUrl: sim.url,
      credentials: { appKey: 'k', appSecret: 'secret-123456', terminalId: 'T-1', signAlg: 'HMAC-SM3' },
      clock: new ClockOffset(),
    });
    const { outbox, uploader } = rig(adapter, 5);
    uploader.start();
    await until(() => outbox.counts().pending === 0);
    expect(outbox.list({ states: ['rejected'] }).map((e) => e.seq)).toEqual([2, 4]);
    // Resent while the rule holds, they are rejected again: a lost answer cannot turn a rejection into an acceptance.
    expect(outbox.resend()).toBe(2);
    uploader.notify();
    await until(() => outbox.counts().pending === 0);
    expect(outbox.counts().deadLetter).toBe(2);
    expect(sim.stats.rejectedInjected).toBe(4);
    sim.setFaults({ rates: {}, skewMs: 0 });
    expect(outbox.resend()).toBe(2);
    uploader.notify();
    await until(() => outbox.counts().deadLetter === 0 && outbox.counts().pending === 0);
    expect([...sim.records.values()].map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
  });

  it('keeps the verdicts of a batch answered while it stops: nothing goes again at the next start', async () => {
    let answer: (o: UploadOutcome) => void = () => undefined;
    let sent: readonly EvaluationRecord[] = [];
    const adapter = new ScriptedAdapter([]);
    // The province answers only after the terminal has begun to stop (a shutdown while a request is on the wire).
    adapter.submit = (records) => {
      adapter.batches.push([...records]);
      sent = records;
      return new Promise((r) => (answer = r));
    };
    const { outbox, uploader } = rig(adapter, 3);
    uploader.start();
    await until(() => sent.length === 3);
    const stopping = uploader.stop();
    answer({ kind: 'results', results: sent.map((r) => ({ evalId: r.evalId, status: 'accepted' as const })) });
    await stopping;
    expect(states(outbox)).toEqual(['accepted', 'accepted', 'accepted']);
  });

  it('lives through a queue that fails (a full disk): a batch whose answers could not be stored goes again, once', async () => {
    const adapter = new ScriptedAdapter([]);
    const { outbox, uploader } = rig(adapter, 3);
    await uploader.stop();
    // The store refuses the first answers and then the next claim, as a full disk would, then recovers.
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    let applyFails = 1;
    let claimFails = 0;
    const flaky = Object.create(outbox) as Outbox;
    flaky.applyResults = (r) => {
      if (applyFails-- > 0) {
        claimFails = 1;
        throw full();
      }
      outbox.applyResults(r);
    };
    flaky.claim = (n, b) => {
      if (claimFails-- > 0) throw full();
      return outbox.claim(n, b);
    };
    const again = new Uploader({ adapter, outbox: flaky, log: silentLog, backoffBaseMs: 5, backoffCapMs: 20, idleMs: 20, random: () => 1 });
    stops.push(() => again.stop());
    again.start();
    await until(() => states(outbox).every((s) => s === 'accepted' || s === 'duplicate'));
    expect(states(outbox)).toHaveLength(3);
    // The first answer was lost to the disk, so the same three went once more; nothing went a third time.
    expect(adapter.batches.map((b) => b.length)).toEqual([3, 3]);
  });
});
