import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, it } from 'vitest';
import { qrPath } from '../../renderer/src/components/qr-path.js';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { JsonProvinceAdapter } from '../../sync/province/json-adapter.js';
import { Uploader } from '../../sync/uploader.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';
import { APP, simConfig } from '../helpers/sync-rig.js';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { record, stats, timeEach } from './figures.js';
import { acceptingProvince } from './province.js';
import { govFormBare, govFormDrain } from './gov-form-drain.js';
import { govForm, GOV_APP, GOV_CODES } from '../helpers/dialects.js';
import { startGovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { DEMO_SM2_PRIVATE_KEY } from '../../sync/province-sim/demo-keys.js';

const RECORDS = 20_000;
const GOV_FORM_RECORDS = 200;
const dirs: { cleanup: () => void }[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
  dirs.forEach((d) => d.cleanup());
});

/** 20,000 records queued in a real outbox; the time for the uploader to empty it against `baseUrl`, per batch too. */
async function drain(baseUrl: string): Promise<{ seconds: number; batches: number[] }> {
  const d = tempDir();
  dirs.push(d);
  const { db } = openDatabase(d.path);
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < RECORDS; i++) outbox.append(newRecord({ terminalId: 'T-350402-0001', satisfaction: 5, clockTrusted: true }), { held: false });
  })();
  const adapter = new JsonProvinceAdapter({
    baseUrl,
    credentials: { ...APP, terminalId: 'T-350402-0001', signAlg: 'HMAC-SM3' },
    clock: new ClockOffset(),
    timeoutMs: 15_000,
  });
  const batches: number[] = [];
  const timed: typeof adapter = Object.create(adapter) as typeof adapter;
  timed.submit = async (records) => {
    const t = performance.now();
    const r = await adapter.submit(records);
    batches.push(performance.now() - t);
    return r;
  };
  const uploader = new Uploader({ adapter: timed, outbox, log: silentLog, idleMs: 60_000 });
  const t0 = performance.now();
  uploader.start();
  while (outbox.counts().pending > 0) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  await uploader.stop();
  db.close();
  return { seconds, batches };
}

/** The same batches' bytes posted one after another by a bare client: no signing, no bookkeeping. */
async function bare(baseUrl: string): Promise<{ seconds: number; batches: number[] }> {
  const url = new URL('/hcp/v1/evaluations/batch', baseUrl);
  const bodies = Array.from({ length: RECORDS / 200 }, () =>
    JSON.stringify({
      batchId: crypto.randomUUID(),
      terminalId: 'T-350402-0001',
      records: Array.from({ length: 200 }, () => ({ ...newRecord(), seq: 1, chainHash: '0'.repeat(64) })),
    }),
  );
  const batches: number[] = [];
  const t0 = performance.now();
  for (const body of bodies) {
    const t = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
    batches.push(performance.now() - t);
  }
  return { seconds: (performance.now() - t0) / 1000, batches };
}

describe('upload drain, QR render', () => {
  it('drains 20,000 queued records', async () => {
    const province = await acceptingProvince();
    closers.push(province.close);
    const url = province.url;
    const base = await bare(url);
    const ours = await drain(url);
    const rate = RECORDS / ours.seconds;
    const baseRate = RECORDS / base.seconds;
    record({
      group: 'upload drain',
      name: `20,000 records to a loopback province that only accepts: ${Math.round(rate).toLocaleString('en')} records/s (per batch of 200 below)`,
      unit: 'ms',
      value: stats(ours.batches),
      baseline: { name: `bare client, same batches: ${Math.round(baseRate).toLocaleString('en')} records/s`, value: stats(base.batches) },
      ratio: baseRate / rate,
      goal: '≥ 5,000 records/s and ≥ 50 % of the baseline',
      met: rate >= 5_000 && rate >= baseRate / 2,
    });
    const sim = await startProvinceSim({ apps: [APP], config: simConfig() });
    try {
      const toSim = await drain(sim.url);
      record({
        group: 'upload drain',
        name: `20,000 records to the strict simulator (signature, schema and SM3 chain checked): ${Math.round(RECORDS / toSim.seconds).toLocaleString('en')} records/s`,
        unit: 'ms',
        value: stats(toSim.batches),
        baseline: { name: 'the accept-only province', value: stats(ours.batches) },
        ratio: stats(toSim.batches).median / stats(ours.batches).median,
        goal: 'information: what the simulator’s own checks cost',
        met: true,
      });
    } finally {
      await sim.close();
    }
  });

  it('drains queued records to a gov-form province, one SM2-encrypted form per request', async () => {
    // Each record is two requests with two SM2 encryptions each (and as many decryptions at the province): a few
    // hundred records say as much as 20,000 and keep the bench short.
    const sim = await govForm.start();
    const province = await startGovFormSim({ apps: [GOV_APP], sm2PrivateKey: DEMO_SM2_PRIVATE_KEY, satisfactionCodes: GOV_CODES });
    try {
      const base = await govFormBare(province.url, province.sm2PublicKey, GOV_FORM_RECORDS);
      const ours = await govFormDrain(sim.url, province.sm2PublicKey, GOV_FORM_RECORDS);
      // A refused record also leaves the queue (as a dead letter): only a drain the province took in full counts.
      if (sim.held().length !== GOV_FORM_RECORDS) throw new Error(`the simulator holds ${String(sim.held().length)} of ${String(GOV_FORM_RECORDS)} records`);
      const rate = GOV_FORM_RECORDS / ours.seconds;
      const baseRate = GOV_FORM_RECORDS / base.seconds;
      record({
        group: 'upload drain',
        name: `${String(GOV_FORM_RECORDS)} records to the strict gov-form simulator (service record, then rating; SM2 sign and payload): ${rate.toFixed(1)} records/s (per record below)`,
        unit: 'ms',
        value: stats(ours.records),
        baseline: { name: `bare client, same requests encrypted beforehand: ${baseRate.toFixed(1)} records/s`, value: stats(base.records) },
        ratio: baseRate / rate,
        goal: '≥ 50 % of the baseline (one request at a time is the dialect’s own pace)',
        met: rate >= baseRate / 2,
      });
    } finally {
      await province.close();
      await sim.close();
    }
  });

  it('renders QR codes as the renderer ships them', async () => {
    const urls = Array.from({ length: 500 }, (_, i) => `https://hcp.example.gov.cn/m/d/${crypto.randomUUID()}?n=${String(i)}`);
    const QRCode = (await import('qrcode')).default;
    const baseline = stats(await timeEach(urls.length, (i) => QRCode.create(urls[i] ?? '', { errorCorrectionLevel: 'M' })));
    const ours = stats(await timeEach(urls.length, (i) => qrPath(urls[i] ?? '')));
    record({
      group: 'QR render',
      name: 'one dynamic link to its SVG path (renderer/src/components/qr-path.ts)',
      unit: 'ms',
      value: ours,
      baseline: { name: 'the qrcode library’s matrix alone', value: baseline },
      ratio: ours.median / baseline.median,
      goal: 'p99 ≤ 5 ms',
      met: ours.p99 <= 5,
    });
  });
});
