import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { DEMO_SM2_PRIVATE_KEY, DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { startGovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { testProvinceConnection } from '../../sync/province/connection-test.js';
import { createProvinceAdapter, type GovFormAccount, type ProvinceAccount } from '../../sync/province/factory.js';
import { JsonProvinceAdapter } from '../../sync/province/json-adapter.js';
import { Uploader } from '../../sync/uploader.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';
import { APP, GOV_APP, GOV_CODES } from '../helpers/dialects.js';
import { no, startGovFormStub, type SeenRequest, type StubAnswer } from '../helpers/gov-form-stub.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function stub(answer?: (req: SeenRequest, n: number) => StubAnswer | undefined) {
  const s = await startGovFormStub(answer);
  stops.push(s.close);
  const account: GovFormAccount = {
    dialect: 'gov-form',
    baseUrl: s.url,
    terminalId: 'T-350402-0001',
    appMark: 'mark-1',
    appWord: 'word-1',
    sm2PublicKey: s.publicKey,
    satisfactionCodes: 'gbt',
  };
  return { ...s, account };
}

async function until(f: () => boolean, what: string, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!f()) {
    if (Date.now() - start > ms) throw new Error(`${what} not met within ${String(ms)} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const IDLE_MS = 123_456;

/** A real outbox and uploader over the gov-form adapter; every wait the uploader asks for is noted and run at once. */
function rig(account: ProvinceAccount, n: number, overrides: Partial<Parameters<typeof newRecord>[0]>[] = []) {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  stops.push(() => {
    db.close();
    dir.cleanup();
  });
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < n; i++) outbox.append(newRecord({ terminalId: account.terminalId, groupId: `S-${String(i)}`, ...overrides[i] }), { held: false });
  })();
  const waits: number[] = [];
  const adapter = createProvinceAdapter(account, { clock: new ClockOffset(), timeoutMs: 3000 });
  const uploader = new Uploader({
    adapter,
    outbox,
    log: silentLog,
    idleMs: IDLE_MS,
    // The hcp-json cap asked for; the dialect's own (60 s) must win.
    backoffCapMs: 300_000,
    random: () => 1,
    timers: {
      set: (fn, ms) => {
        waits.push(ms);
        return setTimeout(fn, ms === IDLE_MS ? 50 : 0);
      },
      clear: (h) => clearTimeout(h as NodeJS.Timeout),
    },
  });
  stops.push(() => uploader.stop());
  return { outbox, uploader, waits };
}

const seqOf = (s: SeenRequest) => Number(s.payload['customFields']?.split(',')[2]);

describe('gov-form through the one uploader', () => {
  it('sends records oldest first, at most 4 in flight, each after its service record; a sign refusal is kept and retried with a fresh sign', async () => {
    let active = 0;
    let maxActive = 0;
    let refused = false;
    const s = await stub((req) => {
      active++;
      maxActive = Math.max(maxActive, active);
      setImmediate(() => active--);
      if (refused || req.path !== 'evaluation/submit') return undefined;
      refused = true;
      return no('验签失败');
    });
    const { outbox, uploader } = rig(s.account, 3);
    uploader.start();
    await until(() => outbox.counts().pending === 0, 'all sent');
    expect(outbox.list().map((e) => e.state)).toEqual(['accepted', 'accepted', 'accepted']);
    const ratings = s.seen.filter((r) => r.path === 'evaluation/submit');
    const first = seqOf(ratings[0] as SeenRequest);
    expect(ratings.map(seqOf).sort()).toEqual([1, 2, 3, first].sort());
    const again = ratings.filter((r) => seqOf(r) === first);
    expect(again[0]?.form['sign']).not.toBe(again[1]?.form['sign']);
    // The three service records went out first, oldest first, each before any rating of its own.
    expect(s.seen.slice(0, 3).map((r) => [r.path, r.payload['serviceNumber']])).toEqual(
      s.seen.filter((r) => r.path === 'service/submit').map((r) => ['service/submit', r.payload['serviceNumber']]),
    );
    expect(s.seen.filter((r) => r.path === 'service/submit').map((r) => r.payload['serviceNumber'])).toEqual(outbox.list().map((e) => e.record.groupId));
    expect(maxActive).toBeGreaterThan(1);
    expect(maxActive).toBeLessThanOrEqual(4);
    expect(uploader.status().lastError).toBeNull();
  });

  it('dead-letters a record the province refuses with its message, sends the rest, and a technician’s resend goes again', async () => {
    let refuse = true;
    const s = await stub((req) => (refuse && req.path === 'evaluation/submit' && seqOf(req) === 2 ? no('writingEvaluation超过500字') : undefined));
    const { outbox, uploader } = rig(s.account, 3);
    uploader.start();
    await until(() => outbox.counts().pending === 0, 'all judged');
    expect(outbox.list().map((e) => [e.seq, e.state, e.lastError])).toEqual([
      [1, 'accepted', null],
      [2, 'rejected', 'writingEvaluation超过500字'],
      [3, 'accepted', null],
    ]);
    refuse = false;
    expect(outbox.resend()).toBe(1);
    uploader.notify();
    await until(() => outbox.counts().pending === 0 && outbox.counts().deadLetter === 0, 'resent');
    expect(outbox.get(outbox.list()[1]?.evalId ?? '')?.state).toBe('accepted');
  });

  it('backs off at most 60 s through an outage of HTML 503s and garbage 200s, then drains everything, each record once', async () => {
    // Four requests in flight fail together: 14 rounds of them.
    let failures = 14 * 4;
    const s = await stub(() => {
      if (failures-- <= 0) return undefined;
      return failures % 2 ? { status: 503, body: '<html>维护中</html>' } : { body: '<html>登录</html>' };
    });
    const { outbox, uploader, waits } = rig(s.account, 4);
    uploader.start();
    await until(() => outbox.counts().pending === 0, 'drained');
    const backoffs = waits.filter((w) => w !== IDLE_MS);
    expect(Math.max(...backoffs)).toBe(60_000);
    expect(backoffs.filter((w) => w === 60_000).length).toBeGreaterThan(3);
    const accepted = s.seen.filter((r) => r.path === 'evaluation/submit').map(seqOf);
    expect(accepted).toEqual([1, 2, 3, 4]);
    expect(outbox.list().every((e) => e.state === 'accepted')).toBe(true);
  });
});

describe('a terminal the province does not know yet (issue 24)', () => {
  it('keeps every rating queued while the province answers appMark不存在, says so, backs off at most 60 s, and sends them once it registers the app', async () => {
    const sim = await startGovFormSim({
      apps: [],
      sm2PrivateKey: DEMO_SM2_PRIVATE_KEY,
      satisfactionCodes: GOV_CODES,
      unknownAppMessage: () => 'appMark不存在',
    });
    stops.push(() => sim.close());
    const account: GovFormAccount = {
      dialect: 'gov-form',
      baseUrl: sim.url,
      terminalId: 'T-350402-0001',
      ...GOV_APP,
      sm2PublicKey: DEMO_SM2_PUBLIC_KEY,
      satisfactionCodes: GOV_CODES,
    };
    const { outbox, uploader, waits } = rig(account, 3);
    uploader.start();
    await until(() => waits.filter((w) => w !== IDLE_MS).length >= 3, 'refused several times');
    // The connection test and the uploader call it the same: the app is unknown, not the record invalid.
    expect(await testProvinceConnection({ account, timeoutMs: 3000 })).toMatchObject({ code: 'UNKNOWN_APP' });
    expect(outbox.counts()).toMatchObject({ pending: 3, deadLetter: 0 });
    expect(uploader.status()).toMatchObject({
      credentials: { kind: 'unknown-app', code: 'UNKNOWN_APP', message: 'appMark不存在' },
      lastError: expect.stringMatching(
        /^credentials refused: the province does not know this terminal’s app yet \(UNKNOWN_APP: appMark不存在\); ratings are kept/,
      ),
    });
    const backoffs = waits.filter((w) => w !== IDLE_MS);
    expect(backoffs.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...backoffs)).toBeLessThanOrEqual(60_000);
    sim.registerApp(GOV_APP);
    await until(() => outbox.counts().pending === 0, 'drained once registered');
    expect(outbox.list().map((e) => e.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(sim.evaluations.size).toBe(3);
    expect(uploader.status()).toMatchObject({ credentials: null, lastError: null });
  });

  it('hcp-json: 401 UNKNOWN_APP_KEY keeps the batch and says the same words', async () => {
    const sim = await startProvinceSim({ apps: [APP] });
    stops.push(() => sim.close());
    const account: ProvinceAccount = {
      dialect: 'hcp-json',
      baseUrl: sim.url,
      terminalId: 'T-350402-0001',
      appKey: 'app-key-unregistered',
      appSecret: APP.appSecret,
      signAlg: 'HMAC-SM3',
    };
    const { outbox, uploader, waits } = rig(account, 2);
    uploader.start();
    await until(() => waits.filter((w) => w !== IDLE_MS).length >= 2, 'backed off twice');
    expect(outbox.counts()).toMatchObject({ pending: 2, deadLetter: 0 });
    expect(uploader.status()).toMatchObject({
      credentials: { kind: 'unknown-app', code: 'UNKNOWN_APP_KEY' },
      lastError: expect.stringMatching(/^credentials refused: the province does not know this terminal’s app yet \(UNKNOWN_APP_KEY: /),
    });
  });
});

describe('test connection in the gov-form dialect', () => {
  it('says in words: fine, sign refused, clock off by N s, unknown app, unreachable', async () => {
    let answer: StubAnswer | undefined;
    const s = await stub(() => answer);
    const test = () => testProvinceConnection({ account: s.account, timeoutMs: 3000 });
    expect(await test()).toMatchObject({ reachable: true, code: null });
    expect(s.seen[0]?.path).toBe('evaluation/url');
    answer = no('没有对应的服务数据');
    expect(await test()).toMatchObject({ reachable: true, code: null });
    answer = no('验签失败');
    expect(await test()).toMatchObject({ reachable: true, code: 'SIGN_REFUSED', message: expect.stringMatching(/^sign refused/) });
    answer = { ...no('时间戳超出有效范围'), headers: { date: new Date(Date.now() + 400_000).toUTCString() } };
    expect(await test()).toMatchObject({ reachable: true, code: 'CLOCK_SKEW', message: expect.stringMatching(/clock is off by \+(399|400|401) s/) });
    answer = no('appMark不存在或未授权');
    expect(await test()).toMatchObject({ reachable: true, code: 'UNKNOWN_APP', message: expect.stringMatching(/^unknown app/) });
    const down = await testProvinceConnection({ account: { ...s.account, baseUrl: 'http://127.0.0.1:9/pubservice' }, timeoutMs: 3000 });
    expect(down).toMatchObject({ reachable: false, code: 'UNREACHABLE', message: expect.stringMatching(/cannot be reached/) });
  });
});

describe('test connection against the gov-form simulator', () => {
  it('names an unregistered appMark as an unknown app and a wrong appWord as a sign refusal, though both messages say 验签失败', async () => {
    const sim = await startGovFormSim({ apps: [GOV_APP], sm2PrivateKey: DEMO_SM2_PRIVATE_KEY, satisfactionCodes: GOV_CODES });
    stops.push(() => sim.close());
    const account: GovFormAccount = {
      dialect: 'gov-form',
      baseUrl: sim.url,
      terminalId: 'T-350402-0001',
      ...GOV_APP,
      sm2PublicKey: DEMO_SM2_PUBLIC_KEY,
      satisfactionCodes: GOV_CODES,
    };
    const test = (a: Partial<GovFormAccount>) => testProvinceConnection({ account: { ...account, ...a }, timeoutMs: 3000 });
    expect(await test({})).toMatchObject({ reachable: true, code: null, message: 'the province answered and accepted the credentials' });
    expect(await test({ appMark: 'app-mark-unknown' })).toMatchObject({
      reachable: true,
      code: 'UNKNOWN_APP',
      message: expect.stringMatching(/^unknown app: the province does not know this appMark/),
    });
    expect(await test({ appWord: 'not-the-word' })).toMatchObject({
      reachable: true,
      code: 'SIGN_REFUSED',
      message: expect.stringMatching(/^sign refused: check the app secret \(appWord\)/),
    });
  });
});

describe('hcp-json stays as it was', () => {
  it('never sends the terminal’s own serviceTime in a batch', async () => {
    const bodies: string[] = [];
    const fetch: typeof globalThis.fetch = (_url, init) => {
      bodies.push(typeof init?.body === 'string' ? init.body : '');
      return Promise.resolve(new Response(JSON.stringify({ results: [] }), { status: 200 }));
    };
    const adapter = new JsonProvinceAdapter({
      baseUrl: 'https://hcp.example.gov.cn',
      credentials: { appKey: 'k', appSecret: 'secret-123456', terminalId: 'T-1', signAlg: 'HMAC-SM3' },
      clock: new ClockOffset(),
      fetch,
    });
    await adapter.submit([{ ...newRecord({ serviceTime: '2026-11-24 09:59:30' }), seq: 1, chainHash: '0'.repeat(64) }]);
    expect(bodies[0]).toContain('"assessTime"');
    expect(bodies[0]).not.toContain('serviceTime');
  });
});
