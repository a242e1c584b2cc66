import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ClockOffset } from '../../sync/clock-offset.js';
import { cstDateTime } from '../../sync/province/gov-form/wire.js';
import { makeBundle } from '../../sync/export-bundle.js';
import type { ProvinceAdapter } from '../../sync/province/adapter.js';
import { createProvinceAdapter, type GovFormAccount } from '../../sync/province/factory.js';
import { chainHash, GENESIS_CHAIN_HASH } from '../../sync/chain.js';
import type { EvaluationRecord, NewRecord } from '../../sync/record.js';
import { newRecord } from '../helpers/fixtures.js';
import { no, ok, startGovFormStub, type SeenRequest, type StubAnswer } from '../helpers/gov-form-stub.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

let seq = 0;
function record(o: Partial<NewRecord> = {}): EvaluationRecord {
  const r = newRecord({ terminalId: 'T-350402-0001', groupId: randomUUID(), serviceTime: '2026-11-24 09:59:30', ...o });
  const full = { ...r, seq: ++seq, chainHash: '' };
  return { ...full, chainHash: chainHash(GENESIS_CHAIN_HASH, full) };
}

async function rig(answer?: (req: SeenRequest, n: number) => StubAnswer | undefined, o: Partial<GovFormAccount> = {}, clock = new ClockOffset()) {
  const stub = await startGovFormStub(answer);
  stops.push(stub.close);
  const account: GovFormAccount = {
    dialect: 'gov-form',
    baseUrl: stub.url,
    terminalId: 'T-350402-0001',
    appMark: 'mark-1',
    appWord: 'word-秘密-1',
    sm2PublicKey: stub.publicKey,
    satisfactionCodes: 'gbt',
    offlinePageTemplate: 'https://hcp.example.gov.cn/h5/pj?param={param}',
    ...o,
  };
  const adapter: ProvinceAdapter = createProvinceAdapter(account, { clock, timeoutMs: 3000 });
  return { stub, adapter, clock };
}

const paths = (seen: SeenRequest[]) => seen.map((s) => s.path);

describe('gov-form adapter: every request', () => {
  it('posts exactly appMark, time, sign and params, SM2 C1C3C2 hex with 04 that the province’s key opens, a fresh sign every attempt', async () => {
    const { stub, adapter, clock } = await rig();
    const r = record({ satisfaction: 5 });
    const before = clock.now();
    expect(await adapter.submit([r])).toEqual({ kind: 'results', results: [{ evalId: r.evalId, status: 'accepted' }] });
    await adapter.submit([r]);
    expect(paths(stub.seen)).toEqual(['service/submit', 'evaluation/submit', 'evaluation/submit']);
    for (const s of stub.seen) {
      expect(s.contentType).toBe('application/x-www-form-urlencoded; charset=UTF-8');
      expect(s.fields).toEqual(['appMark', 'time', 'sign', 'params']);
      expect(s.form['appMark']).toBe('mark-1');
      expect(s.form['sign']).toMatch(/^04[0-9a-f]{128}[0-9a-f]{64}[0-9a-f]+$/);
      expect(s.sign).toBe(`${s.form['time'] ?? ''}mark-1word-秘密-1`);
      expect(Object.keys(JSON.parse(s.form['params'] ?? '') as object)).toEqual(['data']);
    }
    // time: yyyyMMddHHmmss in UTC+8.
    const t = stub.seen[0]?.form['time'] ?? '';
    expect(t).toMatch(/^\d{14}$/);
    const asUtc = Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14)) - 8 * 3_600_000;
    expect(Math.abs(asUtc - before)).toBeLessThan(5_000);
    const signs = new Set(stub.seen.map((s) => s.form['sign']));
    expect(signs.size).toBe(3);
  });

  it('sends the service record first, with the projectNo fallback, serviceTime and proStatus 3, then the rating with customFields', async () => {
    const { stub, adapter } = await rig();
    const r = record({ satisfaction: 4, taskCode: 'TK1', taskName: '事项一', deptCode: 'D1', deptName: '部门', writingEvaluation: '很好' });
    await adapter.submit([r]);
    const [service, rating] = stub.seen;
    const projectNo = `T-350402-0001-${r.groupId ?? ''}`;
    expect(service?.payload).toEqual({
      projectNo,
      serviceNumber: r.groupId,
      taskCode: 'TK1',
      taskName: '事项一',
      deptCode: 'D1',
      deptName: '部门',
      areaCode: '350402',
      serviceTime: '2026-11-24 09:59:30',
      proManager: 'SM0012',
      proManagerName: '张三',
      proStatus: '3',
    });
    expect(rating?.payload).toEqual({
      projectNo,
      serviceNumber: r.groupId,
      taskCode: 'TK1',
      satisfaction: '2',
      writingEvaluation: '很好',
      pf: '4',
      assessTime: '2026-11-24 10:00:00',
      assessNumber: '1',
      evaluateType: '1',
      customFields: `T-350402-0001,${r.evalId},${String(r.seq)},${r.chainHash}`,
    });
    // The business system's 办件编号 wins over the fallback; the service of a second item is its own record.
    const withNo = record({ projectNo: 'BJ-2026-001', groupId: r.groupId, taskCode: 'TK2' });
    await adapter.submit([withNo]);
    expect(stub.seen.slice(2).map((s) => [s.path, s.payload['projectNo'], s.payload['taskCode']])).toEqual([
      ['service/submit', 'BJ-2026-001', 'TK2'],
      ['evaluation/submit', 'BJ-2026-001', 'TK2'],
    ]);
  });

  it('maps satisfaction and dimension levels to GB/T 39046 (1 = 非常满意) under "gbt", and keeps them under "desc5"', async () => {
    const dims = { serviceEfficiency: 5, serviceLevel: 3, serviceAttitude: 1 };
    const gbt = await rig();
    for (const level of [5, 4, 3, 2, 1]) await gbt.adapter.submit([record({ satisfaction: level, dimensions: dims, evalDetail: '501' })]);
    const ratings = gbt.stub.seen.filter((s) => s.path === 'evaluation/submit');
    expect(ratings.map((s) => s.payload['satisfaction'])).toEqual(['1', '2', '3', '4', '5']);
    expect(ratings[0]?.payload['evalDetail']).toBe('501,D:serviceEfficiency=1,D:serviceLevel=3,D:serviceAttitude=5');
    const desc5 = await rig(undefined, { satisfactionCodes: 'desc5' });
    await desc5.adapter.submit([record({ satisfaction: 5, dimensions: dims, evalDetail: '501' })]);
    const rating = desc5.stub.seen.find((s) => s.path === 'evaluation/submit');
    expect(rating?.payload['satisfaction']).toBe('5');
    expect(rating?.payload['evalDetail']).toBe('501,D:serviceEfficiency=5,D:serviceLevel=3,D:serviceAttitude=1');
  });

  it('gives a 差评 with no tag and no comment the reason code 000, and no other rating', async () => {
    const { stub, adapter } = await rig();
    const cases: [Partial<NewRecord>, string | undefined][] = [
      [{ satisfaction: 1 }, '000'],
      [{ satisfaction: 2, evalDetail: 'Q:guide=n' }, '000,Q:guide=n'],
      [{ satisfaction: 2, evalDetail: '101' }, '101'],
      [{ satisfaction: 1, writingEvaluation: '等太久' }, undefined],
      [{ satisfaction: 3 }, undefined],
      [{ satisfaction: 5 }, undefined],
    ];
    for (const [o] of cases) await adapter.submit([record(o)]);
    const details = stub.seen.filter((s) => s.path === 'evaluation/submit').map((s) => s.payload['evalDetail']);
    expect(details).toEqual(cases.map(([, d]) => d));
  });
});

describe('gov-form adapter: times the province will take', () => {
  it('a rating stamped while the terminal ran 400 s ahead goes with assessTime and serviceTime no later than the province’s clock', async () => {
    const clock = new ClockOffset();
    clock.learnServerTime(Date.now() - 400_000);
    const { stub, adapter } = await rig(undefined, {}, clock);
    const r = record({ assessTime: cstDateTime(Date.now()), serviceTime: cstDateTime(Date.now() - 10_000), clockTrusted: false });
    const provinceNow = cstDateTime(clock.now());
    await adapter.submit([r]);
    const [service, rating] = stub.seen;
    const assessTime = rating?.payload['assessTime'] ?? '';
    const serviceTime = service?.payload['serviceTime'] ?? '';
    expect(assessTime <= provinceNow).toBe(true);
    expect(serviceTime <= assessTime).toBe(true);
    // What the terminal stored, and the chain over it, are unchanged.
    expect(rating?.payload['customFields']).toBe([r.terminalId, r.evalId, String(r.seq), r.chainHash].join(','));
  });
});

describe('gov-form adapter: the province’s answers', () => {
  it('submits the service record again after 没有对应的服务数据, then the rating; 服务数据已存在 counts as done', async () => {
    let dropped = false;
    const { stub, adapter } = await rig((req, n) => {
      if (req.path === 'evaluation/submit' && n === 3 && !dropped) {
        dropped = true;
        return no('没有对应的服务数据');
      }
      if (req.path === 'service/submit' && n > 1) return no('服务数据已存在');
      return undefined;
    });
    const first = record();
    const second = record({ groupId: first.groupId });
    expect(await adapter.submit([first])).toMatchObject({ kind: 'results', results: [{ status: 'accepted' }] });
    expect(await adapter.submit([second])).toMatchObject({ kind: 'results', results: [{ status: 'accepted' }] });
    // The second rating of the same service skips the known service record; the province has lost it, so it goes again.
    expect(paths(stub.seen)).toEqual(['service/submit', 'evaluation/submit', 'evaluation/submit', 'service/submit', 'evaluation/submit']);
    expect(stub.seen[4]?.payload['customFields']).toContain(second.evalId);
  });

  it('reacts to each message: duplicate, clock corrected from Date, sign refused, anything else a dead letter with the message', async () => {
    const provinceTime = Date.now() + 400_000;
    const answers: Record<string, StubAnswer> = {
      dup: no('评价数据不可重复'),
      clock: { ...no('时间戳超出有效范围'), headers: { date: new Date(provinceTime).toUTCString() } },
      sign: no('验签失败：签名已使用'),
      bad: no('assessTime格式不正确'),
    };
    let mode = '';
    const { adapter, clock } = await rig((req) => (req.path === 'evaluation/submit' ? answers[mode] : undefined));
    const r = record();
    mode = 'dup';
    expect(await adapter.submit([r])).toEqual({ kind: 'results', results: [{ evalId: r.evalId, status: 'duplicate' }] });
    mode = 'clock';
    expect(await adapter.submit([r])).toMatchObject({ kind: 'clock-skew' });
    expect(Math.abs((clock.value ?? 0) - 400_000)).toBeLessThan(2_000);
    mode = 'sign';
    expect(await adapter.submit([r])).toMatchObject({ kind: 'refused', code: 'SIGN_REFUSED', message: '验签失败：签名已使用' });
    mode = 'bad';
    expect(await adapter.submit([r])).toEqual({
      kind: 'results',
      results: [{ evalId: r.evalId, status: 'rejected', code: 'REJECTED', message: 'assessTime格式不正确' }],
    });
  });

  it('a service record the province refuses makes its rating a dead letter naming the service record', async () => {
    const { adapter } = await rig((req) => (req.path === 'service/submit' ? no('areaCode不存在') : undefined));
    const r = record();
    expect(await adapter.submit([r])).toEqual({
      kind: 'results',
      results: [{ evalId: r.evalId, status: 'rejected', code: 'SERVICE_REJECTED', message: 'service record: areaCode不存在' }],
    });
  });

  it('treats anything that is not the envelope as transient, never a verdict, and learns no clock from it', async () => {
    const farDate = { date: new Date(Date.now() + 3_600_000).toUTCString() };
    const garbage: StubAnswer[] = [
      { body: '<html><body>维护中</body></html>', headers: farDate },
      { body: '{"code":"1","success":"false","message":"评价', headers: { ...farDate, 'content-type': 'application/json' } },
      { body: { code: '1', message: 'assessTime格式不正确' }, headers: farDate },
      { body: { code: '1', success: false, message: 'x' }, headers: farDate },
      { status: 502, body: '<html>Bad Gateway</html>', headers: farDate },
      { status: 404, body: { code: '1', success: 'false', message: 'not found' }, headers: farDate },
    ];
    let i = 0;
    const { adapter, clock } = await rig(() => garbage[i]);
    for (; i < garbage.length; i++) expect(await adapter.submit([record()])).toMatchObject({ kind: 'transient' });
    expect(clock.value).toBeNull();
    const { adapter: limited } = await rig(() => ({ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' }));
    expect(await limited.submit([record()])).toEqual({ kind: 'rate-limited', retryAfterMs: 7_000 });
  });

  it('learns the clock from the Date of an HTTP 200 envelope', async () => {
    const { adapter, clock } = await rig(() => ({ ...ok(), headers: { date: new Date(Date.now() - 120_000).toUTCString() } }));
    await adapter.submit([record()]);
    expect(Math.abs((clock.value ?? 0) + 120_000)).toBeLessThan(2_000);
  });

  it('never sends a 默认评价: one left from another dialect waits for a technician', async () => {
    const { stub, adapter } = await rig();
    const r = record({ evaluateType: 3, satisfaction: 3 });
    expect(await adapter.submit([r])).toMatchObject({ kind: 'results', results: [{ status: 'rejected', code: 'DEFAULT_RATING' }] });
    expect(stub.seen).toHaveLength(0);
    expect(adapter.sendsDefaultRatings).toBe(false);
    expect(adapter.config).toBeUndefined();
    expect(adapter.heartbeat).toBeUndefined();
    // One request per record, a window of 40 of them with 4 in flight (v1.1).
    expect(adapter.maxRecordsPerSubmit).toBe(40);
    expect(adapter.recordByRecord).toBe(true);
    expect(adapter.backoffCapMs).toBe(60_000);
  });
});

describe('gov-form adapter: relay and QR code', () => {
  it('relays another terminal’s bundle as supplements with relayBy, each after its service record, as that terminal recorded it', async () => {
    const { stub, adapter } = await rig((req) => (req.payload['customFields']?.includes(',2,') ? no('评价数据不可重复') : undefined));
    seq = 0;
    const records = [record({ terminalId: 'T-OTHER' }), record({ terminalId: 'T-OTHER', satisfaction: 1 })];
    const bundle = makeBundle({ terminalId: 'T-OTHER', appKey: 'mark-2', appSecret: 'word-2', signAlg: 'HMAC-SM3', records });
    const outcome = await adapter.relayBundle(
      JSON.stringify(bundle),
      records.map((r) => r.evalId),
    );
    expect(outcome).toEqual({
      kind: 'results',
      results: [
        { evalId: records[0]?.evalId, status: 'accepted' },
        { evalId: records[1]?.evalId, status: 'duplicate' },
      ],
    });
    // Two in flight at once: each supplement after its own service record.
    const at = (path: string, k: number) => stub.seen.findIndex((r) => r.path === path && r.payload['serviceNumber'] === records[k]?.groupId);
    expect(paths(stub.seen).sort()).toEqual(['evaluation/supplement', 'evaluation/supplement', 'service/submit', 'service/submit']);
    expect(at('service/submit', 0)).toBeLessThan(at('evaluation/supplement', 0));
    expect(at('service/submit', 1)).toBeLessThan(at('evaluation/supplement', 1));
    const sup = stub.seen[at('evaluation/supplement', 0)]?.payload;
    expect(sup?.['relayBy']).toBe('T-350402-0001');
    expect(sup?.['customFields']).toBe(`T-OTHER,${records[0]?.evalId ?? ''},1,${records[0]?.chainHash ?? ''}`);
    expect(sup?.['projectNo']).toBe(`T-OTHER-${records[0]?.groupId ?? ''}`);
    expect(stub.seen[at('service/submit', 0)]?.payload['serviceTime']).toBe('2026-11-24 09:59:30');
    expect(stub.seen[at('evaluation/supplement', 1)]?.payload['evalDetail']).toBe('000');
  });

  it('takes a province page link too long to scan off the screen as a failed link (the offline page is shown instead)', async () => {
    const long = `https://province.example/h5/e/${'x'.repeat(600)}`;
    const { adapter } = await rig((req) => (req.path === 'evaluation/url' ? ok({ url: long, expiresIn: 600 }) : undefined));
    expect(await adapter.createLink({ terminalId: 'T-350402-0001', sessionId: 'S-1', proManager: 'SM0012' }, 2000)).toMatchObject({ kind: 'transient' });
  });

  it('shows the province’s evaluation/url page, and when that fails the offline page template, decodable as the spec says', async () => {
    let up = true;
    const { stub, adapter } = await rig((req) => (req.path === 'evaluation/url' && !up ? { status: 503, body: '<html>down</html>' } : undefined));
    const req = { terminalId: 'T-350402-0001', sessionId: 'S-1', proManager: 'SM0012' };
    expect(await adapter.createLink(req, 2000)).toMatchObject({ kind: 'link', url: 'https://province.example/h5/e/1' });
    expect(stub.seen[0]?.payload).toEqual({ projectNo: 'T-350402-0001-S-1', serviceNumber: 'S-1', pf: '3', type: '1' });
    up = false;
    expect(await adapter.createLink(req, 2000)).toMatchObject({ kind: 'transient' });
    const url = adapter.offlineLink({ ...req, projectNo: '办件/001 &x' });
    expect(url.startsWith('https://hcp.example.gov.cn/h5/pj?param=')).toBe(true);
    const param = url.slice('https://hcp.example.gov.cn/h5/pj?param='.length);
    const query = Buffer.from(Buffer.from(decodeURIComponent(param), 'base64').toString('utf8'), 'base64').toString('utf8');
    expect(query).toMatch(
      /^evaluateChannel=PJQ&projNo=%E5%8A%9E%E4%BB%B6%2F001%20%26x&serviceNumber=S-1&terminalId=T-350402-0001&transactionTime=\d{4}-\d{2}-\d{2}%20\d{2}%3A\d{2}%3A\d{2}$/,
    );
    const back = new URLSearchParams(query);
    expect(back.get('projNo')).toBe('办件/001 &x');
  });
});
