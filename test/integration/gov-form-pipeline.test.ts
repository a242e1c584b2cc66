import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { sm2DecryptHex } from '../../sync/crypto/gm.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { DEMO_SM2_PRIVATE_KEY, DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { startGovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { createProvinceAdapter } from '../../sync/province/factory.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { Uploader, type UploadQueue } from '../../sync/uploader.js';
import { bundleOf, chainedRecords } from '../helpers/bundles.js';
import { silentLog } from '../helpers/core.js';
import { GOV_APP, GOV_CODES } from '../helpers/dialects.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/until.js';

const A = 'T-350402-0001';
const B = 'T-350402-0002';
const IDLE_MS = 123_456;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Event {
  kind: 'send' | 'answer';
  path: string;
  service: string;
  evalId: string | undefined;
  success?: string | undefined;
  message?: string | undefined;
}

/**
 * The real gov-form province behind its gateway's seeded faults (500 pages, resets, 429s, HTML 200s, and a record it
 * refuses), and a fetch that writes down, in the order the terminal saw them, each request sent and each answer read.
 */
async function province() {
  const sim = await startGovFormSim({
    apps: [GOV_APP],
    sm2PrivateKey: DEMO_SM2_PRIVATE_KEY,
    satisfactionCodes: GOV_CODES,
    faults: { rates: { '500': 0.04, reset: 0.03, '429': 0.02, html200: 0.02 }, skewMs: 0, seed: 5, rejectSeqs: [17] },
  });
  cleanups.push(() => sim.close());
  const events: Event[] = [];
  let active = 0;
  let maxActive = 0;
  const tracing: typeof fetch = async (input, init) => {
    const form = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
    const data = (JSON.parse(form.get('params') ?? '{}') as { data: string }).data;
    const p = JSON.parse(sm2DecryptHex(data, DEMO_SM2_PRIVATE_KEY) ?? '{}') as Record<string, string | undefined>;
    const at = {
      path: new URL(input instanceof Request ? input.url : String(input)).pathname.split('/').slice(-2).join('/'),
      service: JSON.stringify([p['projectNo'], p['serviceNumber'], p['taskCode'] ?? '']),
      evalId: p['customFields']?.split(',')[1],
    };
    events.push({ kind: 'send', ...at });
    maxActive = Math.max(maxActive, ++active);
    try {
      const res = await fetch(input, init);
      const text = await res.text();
      let env: { success?: string; message?: string } = {};
      try {
        env = JSON.parse(text) as typeof env;
      } catch {
        // an HTML page: no answer from the province
      }
      events.push({ kind: 'answer', ...at, success: res.status === 200 ? env.success : undefined, message: env.message });
      return new Response(text, { status: res.status, headers: res.headers });
    } finally {
      active--;
    }
  };
  const adapter = createProvinceAdapter(
    { dialect: 'gov-form', baseUrl: sim.url, terminalId: B, ...GOV_APP, sm2PublicKey: DEMO_SM2_PUBLIC_KEY, satisfactionCodes: GOV_CODES },
    { clock: new ClockOffset(), timeoutMs: 5000, fetch: tracing },
  );
  return { sim, adapter, events, maxActive: () => maxActive };
}

/** Every wait the uploader asks for runs at once (the idle one shortly): faults cost no real time. */
const quick = {
  set: (fn: () => void, ms: number) => setTimeout(fn, ms === IDLE_MS ? 20 : 0),
  clear: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
};

/** A bundle's own backoff is kept in real time (its due time is stored): short, so faults cost little. */
const FAST = { backoffBaseMs: 20, backoffCapMs: 200 };

/** What the terminal saw must show: no rating sent before its service record was answered, none sent after its verdict. */
function checkOrder(events: readonly Event[], ratingPath: string): void {
  const served = new Set<string>();
  const judged = new Set<string>();
  for (const e of events) {
    if (e.path === 'service/submit' && e.kind === 'answer' && (e.success === 'true' || e.message?.includes('服务数据已存在'))) served.add(e.service);
    if (e.path !== ratingPath) continue;
    const id = e.evalId ?? '';
    if (e.kind === 'send') {
      expect(served.has(e.service), `rating ${id} sent before its service record was answered`).toBe(true);
      expect(judged.has(id), `rating ${id} sent again after its verdict`).toBe(false);
    } else if (e.success === 'true' || e.message?.includes('评价数据不可重复') || e.message?.includes('参数校验失败')) judged.add(id);
  }
}

describe('gov-form with 4 requests in flight (province-gov-form.md v1.1)', { timeout: 120_000 }, () => {
  it('drains 150 ratings through seeded faults: several in flight, never more than 4, no rating before its service record’s answer, each verdict applied once, none lost', async () => {
    const { sim, adapter, events, maxActive } = await province();
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const { db } = openDatabase(dir.path);
    cleanups.push(() => db.close());
    const outbox = new Outbox(db);
    db.transaction(() => {
      for (let i = 0; i < 150; i++) outbox.append(newRecord({ terminalId: B, groupId: `S-${String(i)}`, clockTrusted: true }), { held: false });
    })();
    const applied: string[] = [];
    const queue: UploadQueue = {
      claim: (n, bytes) => outbox.claim(n, bytes),
      unclaim: (ids, e) => outbox.unclaim(ids, e),
      requeueInFlight: () => outbox.requeueInFlight(),
      counts: () => outbox.counts(),
      applyResults: (rs) => {
        applied.push(...rs.map((r) => r.evalId));
        outbox.applyResults(rs);
      },
    };
    const uploader = new Uploader({ adapter, outbox: queue, log: silentLog, idleMs: IDLE_MS, random: () => 0.5, timers: quick, ...FAST });
    cleanups.push(() => uploader.stop());
    uploader.start();
    await waitFor(() => outbox.counts().pending === 0, 'drained', 90_000);
    await uploader.stop();

    expect(Object.values(sim.stats.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    expect(maxActive()).toBeGreaterThan(1);
    expect(maxActive()).toBeLessThanOrEqual(4);
    checkOrder(events, 'evaluation/submit');
    expect(applied.length).toBe(150);
    expect(new Set(applied).size).toBe(150);
    const states = outbox.list().map((e) => e.state);
    expect(states.filter((s) => s === 'rejected')).toHaveLength(1);
    expect(outbox.list().find((e) => e.state === 'rejected')?.seq).toBe(17);
    expect(sim.evaluations.size).toBe(149);
    expect([...sim.evaluations.values()].map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1).filter((s) => s !== 17));
  });

  it('relays a 120-record bundle in pipelined slices through the same faults: each record judged once, none sent after its verdict, none lost', async () => {
    const { sim, adapter, events, maxActive } = await province();
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const { db } = openDatabase(dir.path);
    cleanups.push(() => db.close());
    const records = chainedRecords(A, 120);
    const bundle = bundleOf(A, records, { appKey: GOV_APP.appMark, appSecret: GOV_APP.appWord });
    const bundles = new BundleQueue(db);
    const added = bundles.add(JSON.stringify(bundle), {
      terminalId: B,
      secretOf: (k) => (k === GOV_APP.appMark ? GOV_APP.appWord : null),
      dialect: 'gov-form',
    });
    expect(added).toMatchObject({ ok: true });
    const uploader = new Uploader({ adapter, outbox: new Outbox(db), bundles, log: silentLog, idleMs: IDLE_MS, random: () => 0.5, timers: quick, ...FAST });
    cleanups.push(() => uploader.stop());
    uploader.start();
    await waitFor(() => bundles.list().every((b) => b.state === 'done'), 'relayed', 90_000);
    await uploader.stop();

    expect(maxActive()).toBeGreaterThan(1);
    expect(maxActive()).toBeLessThanOrEqual(4);
    checkOrder(events, 'evaluation/supplement');
    const verdicts = db.prepare(`SELECT idx, eval_id AS evalId, status FROM relay_verdicts ORDER BY idx`).all() as {
      idx: number;
      evalId: string;
      status: string;
    }[];
    expect(verdicts.map((v) => v.evalId)).toEqual(records.map((r) => r.evalId));
    expect(verdicts.filter((v) => v.status === 'rejected').map((v) => v.idx)).toEqual([16]);
    expect(sim.evaluations.size).toBe(119);
  });
});
