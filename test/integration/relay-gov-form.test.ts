import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { createProvinceAdapter } from '../../sync/province/factory.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { Uploader } from '../../sync/uploader.js';
import { bundleOf, chainedRecords } from '../helpers/bundles.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';
import { startGovFormStub, type SeenRequest, type StubAnswer } from '../helpers/gov-form-stub.js';
import { until } from '../helpers/sync-rig.js';

const A = 'T-350402-0001';
const B = 'T-350402-0002';
const MARK = { appMark: 'mark-1', appWord: 'word-1' };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The province behind a gateway that answers every `every`-th request with an HTTP 500 page (deterministic placement). */
async function flakyProvince(every: number) {
  /** evalId → the supplement requests for it, and whether the province has already given it a verdict. */
  const judged = new Set<string>();
  let resentAfterVerdict = 0;
  const order: string[] = [];
  const stub = await startGovFormStub((req: SeenRequest, n: number): StubAnswer | undefined => {
    // The gateway fails the request before the province sees it.
    if (n % every === 0) return { status: 500, body: '<html><body>500 Internal Server Error</body></html>' };
    const evalId = (req.payload['customFields'] ?? '').split(',')[1] ?? '';
    if (req.path === 'evaluation/supplement') {
      if (judged.has(evalId)) resentAfterVerdict++;
      judged.add(evalId);
      order.push(`relay ${evalId}`);
    }
    if (req.path === 'evaluation/submit') order.push(`own ${evalId}`);
    return undefined;
  });
  cleanups.push(stub.close);
  return { stub, judged, order, resentAfterVerdict: () => resentAfterVerdict };
}

/** Terminal B as the engine builds it in gov-form, on a real SQLite file (opened again after a restart). */
function terminalB(dataDir: string, baseUrl: string, publicKey: string) {
  const { db } = openDatabase(dataDir);
  const adapter = createProvinceAdapter(
    {
      dialect: 'gov-form',
      baseUrl,
      terminalId: B,
      ...MARK,
      sm2PublicKey: publicKey,
      satisfactionCodes: 'gbt',
      offlinePageTemplate: `${baseUrl}/h5?param={param}`,
    },
    { clock: new ClockOffset(), timeoutMs: 5000 },
  );
  const outbox = new Outbox(db);
  const bundles = new BundleQueue(db);
  const uploader = new Uploader({ adapter, outbox, bundles, log: silentLog, backoffBaseMs: 20, backoffCapMs: 200, idleMs: 50 });
  const stop = async () => {
    await uploader.stop();
    db.close();
  };
  cleanups.push(() => (db.open ? stop() : undefined));
  return { db, outbox, bundles, uploader, stop };
}

describe('a gov-form relay keeps each verdict as it arrives (issue 24)', { timeout: 120_000 }, () => {
  it('a 100-record bundle with every 25th request failing is relayed whole, no record sent again after its verdict, across a restart; own ratings go in between', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const province = await flakyProvince(25);
    const records = chainedRecords(A, 100);
    const bundle = bundleOf(A, records, { appKey: MARK.appMark, appSecret: MARK.appWord });

    const b1 = terminalB(dir.path, province.stub.url, province.stub.publicKey);
    const added = b1.bundles.add(JSON.stringify(bundle), { terminalId: B, secretOf: (k) => (k === MARK.appMark ? MARK.appWord : null), dialect: 'gov-form' });
    expect(added).toMatchObject({ ok: true, isNew: true });
    if (!added.ok) return;
    const own = b1.db.transaction(() => [1, 2, 3].map(() => b1.outbox.append(newRecord({ terminalId: B, clockTrusted: true }), { held: false }).evalId))();

    b1.uploader.start();
    // Stopped part-way, as a terminal is by a power cut: the verdicts so far are on disk.
    await until(
      () => province.judged.size,
      (n) => n >= 40 || province.resentAfterVerdict() > 0,
      60_000,
      'forty records judged',
    );
    await b1.stop();
    expect(province.resentAfterVerdict()).toBe(0);
    expect(b1.db.open).toBe(false);

    const b2 = terminalB(dir.path, province.stub.url, province.stub.publicKey);
    // The diagnostics screen shows how far it got.
    expect(b2.bundles.get(added.bundleId)).toMatchObject({ state: 'pending', judged: province.judged.size });
    b2.uploader.start();
    await until(
      () => ({ state: b2.bundles.get(added.bundleId)?.state, attempts: b2.bundles.get(added.bundleId)?.attempts ?? 0 }),
      (s) => s.state === 'done' || province.resentAfterVerdict() > 0 || s.attempts > 40,
      60_000,
      'the bundle relayed',
    );
    expect(province.resentAfterVerdict()).toBe(0);
    expect(b2.bundles.get(added.bundleId)).toMatchObject({ state: 'done', accepted: 100, duplicate: 0, rejected: 0 });
    expect(province.judged).toEqual(new Set(records.map((r) => r.evalId)));

    // The terminal's own ratings did not wait for the bundle's 100: each went between two of its slices.
    const lastRelayed = province.order.findLastIndex((o) => o.startsWith('relay '));
    const ownAt = own.map((id) => province.order.indexOf(`own ${id}`));
    expect(ownAt.every((i) => i >= 0 && i < lastRelayed)).toBe(true);
    expect(b2.outbox.list().map((e) => e.state)).toEqual(['accepted', 'accepted', 'accepted']);
  });
});
