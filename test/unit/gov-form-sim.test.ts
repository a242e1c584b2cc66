import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeOfflineParam } from '../../sync/province-sim/gov-form-offline.js';
import { startGovFormSim, type GovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { cstCompact, cstDateTime, encryptHex, handClient, serviceAndRating } from '../helpers/gov-form-client.js';

const APP = { appMark: 'mark-1', appWord: 'word-123456' };
let sim: GovFormSim;
let client: ReturnType<typeof handClient>;
let seq = 0;

beforeAll(async () => {
  sim = await startGovFormSim({ apps: [APP], satisfactionCodes: 'gbt' });
  client = handClient({ baseUrl: sim.url, ...APP, sm2PublicKey: sim.sm2PublicKey });
});
afterAll(() => sim.close());
beforeEach(() => sim.setFaults(NO_FAULTS));

/** A fresh service and rating with the next unused seq (the simulator keeps each terminal's seq unique). */
function fresh(over: Record<string, unknown> = {}) {
  const r = serviceAndRating(over);
  seq++;
  if (!('customFields' in over)) r.rating['customFields'] = `T-0001,${r.evalId},${seq},${'ab'.repeat(32)}`;
  return r;
}

async function submitBoth(over: Record<string, unknown> = {}) {
  const r = fresh(over);
  expect((await client.post('service/submit', r.service)).body).toMatchObject({ success: 'true', code: '0' });
  return { ...r, answer: await client.post('evaluation/submit', r.rating) };
}

describe('the gov-form simulator', () => {
  it('stores a valid service and rating, answering HTTP 200 with the envelope and a Date', async () => {
    const r = fresh();
    const service = await client.post('service/submit', r.service);
    expect(service.status).toBe(200);
    expect(service.date).not.toBeNull();
    expect(service.body).toMatchObject({ code: '0', success: 'true', data: { serviceId: expect.any(String) as string } });
    const rating = await client.post('evaluation/submit', r.rating);
    expect(rating).toMatchObject({ status: 200, body: { code: '0', success: 'true' } });
    expect(sim.evaluations.get(r.evalId)).toMatchObject({ terminalId: 'T-0001', seq, via: 'submit', payload: { satisfaction: '1', pf: '4' } });
  });

  it('answers each kind of bad request with the spec’s message, HTTP 200 all the same', async () => {
    const r = fresh();
    expect((await client.post('evaluation/submit', r.rating)).body).toMatchObject({ success: 'false', code: '1', message: '没有对应的服务数据' });
    await client.post('service/submit', r.service);
    expect((await client.post('service/submit', r.service)).body.message).toBe('服务数据已存在');
    expect((await client.post('evaluation/submit', r.rating)).body.success).toBe('true');
    const again = await client.post('evaluation/submit', r.rating);
    expect(again).toMatchObject({ status: 200, body: { success: 'false', message: '评价数据不可重复' } });

    // The same sign twice: replayed.
    const fields = client.form(fresh().service);
    expect((await client.send('service/submit', fields)).body.success).toBe('true');
    expect((await client.send('service/submit', fields)).body.message).toBe('签名已使用');

    // time more than 300 s off, either way.
    for (const off of [-400_000, 400_000])
      expect((await client.post('service/submit', fresh().service, Date.now() + off)).body.message).toBe('时间戳超出有效范围');
    // A sign that is not time + appMark + appWord, or not under the province's key, or from an unknown app.
    const wrongSign = { ...client.form(fresh().service), sign: encryptHex(cstCompact(Date.now()) + APP.appMark + 'other-word', sim.sm2PublicKey) };
    expect((await client.send('service/submit', wrongSign)).body.message).toMatch(/签名/);
    const otherKey = handClient({
      baseUrl: sim.url,
      ...APP,
      sm2PublicKey: '04' + 'f9e172a2d5659bea60c0e5fc51afcd7cfc6640130169d8b4ade8e71f47e43772d8f4ce73f23aa2331005b51b414a758d9bca3a23bcda2d3d810ef887efb77b2f',
    });
    expect((await otherKey.post('service/submit', fresh().service)).body.message).toMatch(/签名/);
    const stranger = handClient({ baseUrl: sim.url, appMark: 'nobody', appWord: 'x', sm2PublicKey: sim.sm2PublicKey });
    expect((await stranger.post('service/submit', fresh().service)).body.message).toMatch(/签名.*appMark|appMark.*签名/);
    expect(sim.stats.invalidSignatures).toBeGreaterThanOrEqual(3);

    // Not exactly the four fields, or not form-encoded.
    const ok4 = client.form(fresh().service);
    expect((await client.send('service/submit', { ...ok4, extra: '1' })).body.message).toMatch(/多余的字段 extra/);
    const { params: _p, ...three } = client.form(fresh().service);
    expect((await client.send('service/submit', three)).body.message).toMatch(/缺少字段 params/);
    expect((await client.send('service/submit', client.form(fresh().service), 'application/json')).body.message).toMatch(/Content-Type/);
    // params not {"data": ciphertext}, or ciphertext of something else.
    const plainParams = { ...client.form(null), params: JSON.stringify({ data: 'hello' }) };
    expect((await client.send('service/submit', plainParams)).body.message).toMatch(/params\.data/);
    const twoKeys = { ...client.form(null), params: JSON.stringify({ data: encryptHex('{}', sim.sm2PublicKey), more: 1 }) };
    expect((await client.send('service/submit', twoKeys)).body.message).toMatch(/params 格式错误/);
    expect(sim.stats.invalidRequests).toBeGreaterThanOrEqual(5);
  });

  it('validates the payload field by field, naming the field', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ satisfaction: 5 }, /satisfaction/],
      [{ satisfaction: '6' }, /satisfaction/],
      [{ pf: '3' }, /pf/],
      [{ assessNumber: '2' }, /assessNumber/],
      [{ evaluateType: '3' }, /evaluateType/],
      [{ assessTime: '2026/01/01 10:00:00' }, /assessTime/],
      [{ writingEvaluation: '长'.repeat(501) }, /writingEvaluation/],
      [{ customFields: 'T-0001,not-a-uuid,1,' + 'ab'.repeat(32) }, /customFields/],
      [{ customFields: 'T-0001' }, /customFields/],
      [{ certKey: '110101199001011234' }, /certKey/],
      [{ mobile: 'sm2:04' + 'ab'.repeat(120) }, /mobile/],
      [{ userProp: 1 }, /userProp/],
      [{ surprise: 'x' }, /surprise/],
      [{ evalDetail: 'D:mood=1' }, /evalDetail/],
      [{ evalDetail: 'Q:guide=maybe' }, /evalDetail/],
    ];
    for (const [over, message] of bad) {
      const { answer } = await submitBoth(over);
      expect(answer.body.success, JSON.stringify(over)).toBe('false');
      expect(answer.body.message, JSON.stringify(over)).toMatch(message);
      expect(answer.body.message).not.toMatch(/签名|评价数据不可重复|没有对应的服务数据|时间戳超出有效范围/);
    }
    const r = fresh();
    const service = await client.post('service/submit', { ...r.service, proStatus: '1', areaCode: '35' });
    expect(service.body.message).toMatch(/proStatus/);
    expect(service.body.message).toMatch(/areaCode/);
    // A sealed field the province can read is accepted.
    expect((await submitBoth({ certKey: 'sm2:' + encryptHex('110101199001011234', sim.sm2PublicKey) })).answer.body.success).toBe('true');
  });

  it('keeps each terminal’s seq unique', async () => {
    const first = await submitBoth();
    expect(first.answer.body.success).toBe('true');
    const r = fresh();
    await client.post('service/submit', r.service);
    const reused = await client.post('evaluation/submit', { ...r.rating, customFields: `T-0001,${r.evalId},${String(seq - 1)},${'cd'.repeat(32)}` });
    expect(reused.body).toMatchObject({ success: 'false' });
    expect(reused.body.message).toMatch(/seq/);
    // Another terminal's seq counts on its own.
    const other = await client.post('evaluation/submit', { ...r.rating, customFields: `T-0002,${r.evalId},${String(seq - 1)},${'cd'.repeat(32)}` });
    expect(other.body.success).toBe('true');
  });

  it('numbers satisfaction as configured (gbt: 4 and 5 are 差评) and asks a 差评 for a reason or 000', async () => {
    expect((await submitBoth({ satisfaction: '5', evalDetail: '', writingEvaluation: '' })).answer.body.message).toMatch(/差评须说明原因/);
    expect((await submitBoth({ satisfaction: '4', evalDetail: 'Q:guide=n' })).answer.body.message).toMatch(/差评须说明原因/);
    expect((await submitBoth({ satisfaction: '5', evalDetail: '000' })).answer.body.success).toBe('true');
    expect((await submitBoth({ satisfaction: '4', evalDetail: '', writingEvaluation: '等太久' })).answer.body.success).toBe('true');
    expect((await submitBoth({ satisfaction: '4', evalDetail: '101,D:serviceAttitude=4' })).answer.body.success).toBe('true');
    // 000 means "no reason given": not on a good rating, not beside a reason.
    expect((await submitBoth({ satisfaction: '1', evalDetail: '000' })).answer.body.message).toMatch(/000/);
    expect((await submitBoth({ satisfaction: '5', evalDetail: '000,101' })).answer.body.message).toMatch(/000/);
    // A good rating in gbt numbering needs no reason.
    expect((await submitBoth({ satisfaction: '1', evalDetail: '' })).answer.body.success).toBe('true');

    const desc5 = await startGovFormSim({ apps: [APP], satisfactionCodes: 'desc5' });
    try {
      const c = handClient({ baseUrl: desc5.url, ...APP, sm2PublicKey: desc5.sm2PublicKey });
      const r = serviceAndRating({ satisfaction: '1', evalDetail: '' });
      await c.post('service/submit', r.service);
      expect((await c.post('evaluation/submit', r.rating)).body.message).toMatch(/差评须说明原因/);
      expect((await c.post('evaluation/submit', { ...r.rating, satisfaction: '5' })).body.success).toBe('true');
    } finally {
      await desc5.close();
    }
  });

  it('refuses an assessTime before its service or after the province’s clock + 300 s', async () => {
    const early = fresh();
    await client.post('service/submit', early.service);
    const before = await client.post('evaluation/submit', { ...early.rating, assessTime: cstDateTime(Date.now() - 3_600_000) });
    expect(before.body.message).toMatch(/assessTime.*serviceTime/);
    const late = await client.post('evaluation/submit', { ...early.rating, assessTime: cstDateTime(Date.now() + 600_000) });
    expect(late.body.message).toMatch(/assessTime/);
    expect((await client.post('evaluation/submit', early.rating)).body.success).toBe('true');
  });

  it('takes a supplement only with relayBy, another terminal’s, and refuses one it has', async () => {
    const r = fresh();
    await client.post('service/submit', r.service);
    expect((await client.post('evaluation/supplement', r.rating)).body.message).toMatch(/relayBy/);
    expect((await client.post('evaluation/submit', { ...r.rating, relayBy: 'T-0002' })).body.message).toMatch(/relayBy/);
    expect((await client.post('evaluation/supplement', { ...r.rating, relayBy: 'T-0001' })).body.message).toMatch(/relayBy/);
    expect((await client.post('evaluation/supplement', { ...r.rating, relayBy: 'T-0002' })).body.success).toBe('true');
    expect(sim.evaluations.get(r.evalId)).toMatchObject({ via: 'supplement', relayBy: 'T-0002', terminalId: 'T-0001' });
    expect((await client.post('evaluation/supplement', { ...r.rating, relayBy: 'T-0002' })).body.message).toBe('评价数据不可重复');
  });

  it('issues evaluation URLs, and reads the offline page’s param as the spec encodes it', async () => {
    const url = await client.post('evaluation/url', { projectNo: 'P-1', serviceNumber: 's-1', pf: '3', type: '1' });
    expect(url.body).toMatchObject({ success: 'true', data: { url: expect.stringMatching(/^http/) as string, expiresIn: expect.any(Number) as number } });
    expect(sim.knowsLink(String(url.body.data?.['url']))).toBe('dynamic');
    expect((await client.post('evaluation/url', { projectNo: 'P-1', serviceNumber: 's-1', pf: '4', type: '1' })).body.message).toMatch(/pf/);

    const query = [
      'evaluateChannel=PJQ',
      'projNo=P%2F1%20%E5%8A%9E',
      'serviceNumber=s-1',
      'terminalId=T-0001',
      'transactionTime=2026-12-01%2010%3A00%3A00',
    ].join('&');
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const param = b64(b64(query));
    expect(decodeOfflineParam(param)).toEqual({
      evaluateChannel: 'PJQ',
      projNo: 'P/1 办',
      serviceNumber: 's-1',
      terminalId: 'T-0001',
      transactionTime: '2026-12-01 10:00:00',
    });
    const page = sim.offlinePageTemplate.replace('{param}', encodeURIComponent(param));
    expect(sim.knowsLink(page)).toBe('offline');
    expect((await fetch(page)).status).toBe(200);
    // Encoded once only, or with spaces as '+', or keys out of order: not what the province reads.
    expect(decodeOfflineParam(b64(query))).toBeNull();
    expect(decodeOfflineParam(b64(b64(query.replace('%20%E5', '+%E5'))))).toBeNull();
    expect(decodeOfflineParam(b64(b64(query.split('&').reverse().join('&'))))).toBeNull();
  });

  it('answers gateway faults the way a gateway does, and stores a record whose reply it then loses', async () => {
    // A fault strikes before the work or after it, each half the time (and at most once a request).
    const raw = (body: string) =>
      fetch(`${sim.url}/service/submit`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const until = async (body: () => string, seen: (r: Response) => boolean) => {
      for (let i = 0; i < 40; i++) {
        const res = await raw(body());
        if (seen(res)) return res;
      }
      throw new Error('the fault never struck');
    };
    sim.setFaults({ rates: { '500': 1 }, skewMs: 0 });
    const page = await until(
      () => '',
      (r) => r.status === 500,
    );
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    // A 500 whose service the province stored all the same: the reply was lost, not the record.
    let size = sim.services.size;
    await until(
      () => ((size = sim.services.size), new URLSearchParams(client.form(fresh().service)).toString()),
      (r) => r.status === 500 && sim.services.size > size,
    );

    sim.setFaults({ rates: { '429': 1 }, skewMs: 0 });
    const limited = await until(
      () => '',
      (r) => r.status === 429,
    );
    expect(limited.headers.get('retry-after')).toBe('1');
    sim.setFaults({ rates: { html200: 1 }, skewMs: 0 });
    const portal = await until(
      () => '',
      (r) => r.status === 200 && (r.headers.get('content-type') ?? '').includes('text/html'),
    );
    expect(await portal.text()).toMatch(/<html>/);
    // Clock skew: the Date and the time window follow the skewed clock.
    sim.setFaults({ rates: {}, skewMs: 400_000 });
    const skewed = await client.post('service/submit', fresh().service);
    expect(skewed.body.message).toBe('时间戳超出有效范围');
    expect(Date.parse(skewed.date ?? '') - Date.now()).toBeGreaterThan(300_000);
    expect((await client.post('service/submit', fresh().service, Date.now() + 400_000)).body.success).toBe('true');
  });

  it('shows what it holds on GET /sim/state', async () => {
    const state = (await (await fetch(`${sim.origin}/sim/state`)).json()) as { dialect: string; evaluations: unknown[]; services: unknown[] };
    expect(state.dialect).toBe('gov-form');
    expect(state.evaluations.length).toBe(sim.evaluations.size);
    expect(state.services.length).toBe(sim.services.size);
  });
});
