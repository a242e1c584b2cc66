import { performance } from 'node:perf_hooks';
import { afterAll, describe, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Heartbeat } from '../../sync/heartbeat.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { ProvinceAdapter } from '../../sync/province/adapter.js';
import { JsonProvinceAdapter } from '../../sync/province/json-adapter.js';
import { Uploader } from '../../sync/uploader.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';
import { APP } from '../helpers/sync-rig.js';
import { record, stats } from './figures.js';
import { acceptingProvince } from './province.js';
import { nextTurn, seeded, VirtualTime } from './virtual-time.js';

const HEARTBEAT_MS = 60_000;
const RUNS = 15;
/** A busy window during the outage: a rating every 20 s. */
const RATING_EVERY_MS = 20_000;
const dirs: { cleanup: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

/**
 * One terminal (real outbox, real signed HTTP to a loopback province) whose waits run on a virtual clock: the
 * province goes down for `outageMs` while ratings keep coming. Returns the time from its return until the queue is
 * empty: virtual time waited plus real time worked, and the real time the same queue takes to drain with no outage.
 */
async function recovery(outageMs: number, seed: number): Promise<{ recoveryMs: number; drainMs: number }> {
  const province = await acceptingProvince();
  const d = tempDir();
  dirs.push(d);
  const { db } = openDatabase(d.path);
  const vt = new VirtualTime();
  const outbox = new Outbox(db, () => Date.UTC(2026, 10, 30) + vt.t);
  const json = new JsonProvinceAdapter({
    baseUrl: province.url,
    credentials: { ...APP, terminalId: 'T-350402-0001', signAlg: 'HMAC-SM3' },
    clock: new ClockOffset(),
    timeoutMs: 15_000,
  });
  let inFlight = 0;
  const track =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      inFlight++;
      try {
        return await fn(...a);
      } finally {
        inFlight--;
      }
    };
  const sink = { beat: track(json.beat.bind(json)) };
  const adapter: ProvinceAdapter = {
    dialect: json.dialect,
    maxRecordsPerSubmit: json.maxRecordsPerSubmit,
    backoffCapMs: json.backoffCapMs,
    sendsDefaultRatings: json.sendsDefaultRatings,
    submit: track(json.submit.bind(json)),
    heartbeat: sink,
    relayBundle: track(json.relayBundle.bind(json)),
    config: { fetch: track(json.fetchConfig.bind(json)) },
    createLink: track(json.createLink.bind(json)),
    offlineLink: json.offlineLink.bind(json),
  };
  const random = seeded(seed);
  const uploader = new Uploader({ adapter, outbox, log: silentLog, timers: vt, random });
  const heartbeat = new Heartbeat({
    sink,
    body: () => ({}),
    onOk: () => uploader.provinceBack(),
    timers: vt,
    random,
    log: silentLog,
    intervalMs: HEARTBEAT_MS,
  });
  const settle = async () => {
    for (;;) {
      await nextTurn();
      if (inFlight === 0) return;
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  const rate = () => {
    db.transaction(() => outbox.append(newRecord({ terminalId: 'T-350402-0001', satisfaction: 5, clockTrusted: true }), { held: false }))();
    uploader.notify();
    vt.set(rate, RATING_EVERY_MS);
  };
  const queued = () => outbox.counts().pending;
  try {
    uploader.start();
    heartbeat.start();
    // The outage begins at a random moment of the heartbeat's cycle.
    vt.set(rate, 0);
    await vt.run(random() * HEARTBEAT_MS, () => false, settle);
    province.setDown(true);
    await vt.run(vt.t + outageMs, () => false, settle);
    province.setDown(false);
    const backAt = vt.t;
    const t0 = performance.now();
    await vt.run(backAt + 30 * 60_000, () => queued() === 0, settle);
    const recoveryMs = vt.t - backAt + (performance.now() - t0);
    // The baseline's drain: the same number of records, sent by the same uploader with nothing in its way.
    const n = Math.round(outageMs / RATING_EVERY_MS);
    db.transaction(() => {
      for (let i = 0; i < n; i++) outbox.append(newRecord({ terminalId: 'T-350402-0001', satisfaction: 5, clockTrusted: true }), { held: false });
    })();
    const t1 = performance.now();
    uploader.notify();
    await vt.run(vt.t, () => queued() === 0, settle);
    return { recoveryMs, drainMs: performance.now() - t1 };
  } finally {
    heartbeat.stop();
    await uploader.stop();
    db.close();
    await province.close();
  }
}

describe('recovery after a province outage (virtual clock)', () => {
  for (const [label, outageMs] of [
    ['1 minute', 60_000],
    ['1 hour', 3_600_000],
  ] as const) {
    it(`empties the queue after a ${label} outage`, async () => {
      const runs: { recoveryMs: number; drainMs: number }[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await recovery(outageMs, 1000 + i));
      const ours = stats(runs.map((r) => r.recoveryMs / 1000));
      const base = stats(runs.map((r) => (HEARTBEAT_MS + r.drainMs) / 1000));
      record({
        group: 'recovery',
        name: `province back after a ${label} outage (a rating every 20 s meanwhile) to the queue empty`,
        unit: 's',
        value: ours,
        baseline: { name: 'one heartbeat interval (60 s) plus the drain time of the same queue', value: base },
        ratio: ours.p99 / base.p99,
        goal: 'within one heartbeat interval plus the drain time',
        met: runs.every((r) => r.recoveryMs <= HEARTBEAT_MS * 1.1 + r.drainMs),
      });
    });
  }
});
