import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apiClient, BridgeClient, sseClient } from '../helpers/clients.js';
import { BADGE } from '../helpers/fixtures.js';
import { inProcessTerminal } from '../helpers/in-process.js';

const t = inProcessTerminal();

beforeEach(async () => {
  // Each test starts with nobody logged in and no open invitation.
  const status = await t.api.get('/status');
  const session = status.body['session'] as { sessionId: string } | null;
  if (session) await t.api.post(`/sessions/${session.sessionId}/cancel`);
  await t.api.post('/staff/logout');
});

const state = async () => (await t.api.get('/status')).body['state'];

describe('authentication', () => {
  it('answers health without a token and everything else only with the right bearer token', async () => {
    expect(await apiClient(t.host.apiUrl, null).get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    for (const token of [null, 'wrong-token-wrong-token']) {
      const anon = apiClient(t.host.apiUrl, token);
      for (const [method, path] of [
        ['GET', '/status'],
        ['POST', '/staff/login'],
        ['POST', '/staff/logout'],
        ['POST', '/staff/pause'],
        ['POST', '/staff/resume'],
        ['POST', '/sessions'],
        ['GET', '/sessions/00000000-0000-4000-8000-000000000000'],
        ['POST', '/sessions/00000000-0000-4000-8000-000000000000/cancel'],
        ['GET', '/events'],
      ] as const) {
        const r = await anon.call(method, path, method === 'POST' ? { badgeId: BADGE } : undefined);
        expect(r.status, `${method} ${path}`).toBe(401);
        expect(r.body).toMatchObject({ code: 'UNAUTHORIZED' });
        expect(String(r.body['message'])).toMatch(/bearer token/);
      }
    }
    expect(await state()).toBe('closed');
  });
});

describe('staff routes', () => {
  it('logs in by badge or by staff id and PIN, with the spec’s error codes', async () => {
    expect(await t.api.post('/staff/login', { badgeId: 'FFFF0000' })).toMatchObject({ status: 404, body: { code: 'UNKNOWN_BADGE' } });
    expect(await t.api.post('/staff/login', { staffId: 'NOBODY', pin: '1234' })).toMatchObject({ status: 404, body: { code: 'UNKNOWN_STAFF' } });
    expect(await t.api.post('/staff/login', { staffId: 'SM0012', pin: '0000' })).toMatchObject({ status: 401, body: { code: 'BAD_PIN' } });
    expect(await state()).toBe('closed');
    expect(await t.api.post('/staff/login', { staffId: 'SM0012', pin: '1234' })).toMatchObject({ status: 200, body: { staffId: 'SM0012', name: '张三' } });
    expect(await t.api.post('/staff/login', { badgeId: BADGE })).toMatchObject({ status: 200, body: { staffId: 'SM0012' } });
    expect(await state()).toBe('serving');
    expect((await t.api.post('/staff/pause')).status).toBe(200);
    expect(await state()).toBe('paused');
    expect(await t.api.post('/sessions', {})).toMatchObject({ status: 409, body: { code: 'PAUSED' } });
    expect((await t.api.post('/staff/resume', {})).status).toBe(200);
    expect((await t.api.post('/staff/logout')).status).toBe(200);
    expect(await state()).toBe('closed');
  });
});

describe('sessions', () => {
  it('opens an invitation, reports it, and refuses a second while it is open', async () => {
    expect(await t.api.post('/sessions', {})).toMatchObject({ status: 409, body: { code: 'NO_STAFF' } });
    await t.api.post('/staff/login', { badgeId: BADGE });
    const opened = await t.api.post('/sessions', {
      projectNo: 'BJ20261124001',
      items: [{ taskCode: 'T1', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' }],
      mode: 'combined',
      applicant: { name: '王小明', userProp: 1, certKey: '350402199001011234', mobile: '13800138000' },
    });
    expect(opened.status).toBe(201);
    const { sessionId, qrUrl, expiresAt } = opened.body as { sessionId: string; qrUrl: string; expiresAt: string };
    expect(qrUrl).toMatch(new RegExp(`^https://hcp\\.example\\.gov\\.cn/m/e\\?t=T-350402-0001&s=${sessionId}&sig=[0-9a-f]{64}$`));
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(25_000);
    expect(await state()).toBe('inviting');
    expect(await t.api.get(`/sessions/${sessionId}`)).toEqual({ status: 200, body: { sessionId, status: 'inviting' } });
    expect(await t.api.post('/sessions', {})).toMatchObject({ status: 409, body: { code: 'SESSION_OPEN' } });
    expect(await t.api.post(`/sessions/${sessionId}/cancel`)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await t.api.get(`/sessions/${sessionId}`)).toMatchObject({ body: { status: 'cancelled' } });
    expect(await state()).toBe('serving');
  });

  it('answers 404 for unknown and malformed session ids', async () => {
    expect(await t.api.get('/sessions/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, body: { code: 'SESSION_NOT_FOUND' } });
    expect(await t.api.get('/sessions/not-a-uuid')).toMatchObject({ status: 404, body: { code: 'SESSION_NOT_FOUND' } });
    expect(await t.api.post('/sessions/not-a-uuid/cancel')).toMatchObject({ status: 404 });
    expect(await t.api.get('/nope')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('is rated only by the citizen on the screen, and then reports the level', async () => {
    await t.api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
    const { sessionId } = (await t.api.post('/sessions', {})).body as { sessionId: string };
    await ui.view((v) => v.state === 'inviting');
    expect(await ui.send({ type: 'choose', sessionId, item: 0, level: 4 })).toEqual({ ok: true });
    expect(await t.api.get(`/sessions/${sessionId}`)).toMatchObject({ status: 200, body: { sessionId, status: 'rated', satisfaction: 4 } });
    expect(await state()).toBe('thanks');
    const status = (await t.api.get('/status')).body;
    // The test's province address answers nothing: the rating waits in the queue, and the reason is shown.
    expect(status['sync']).toMatchObject({ pending: 1, deadLetter: 0, online: false, lastUploadAt: null });
    expect(status['sync']).toHaveProperty('lastError');
    ui.close();
  });
});

describe("a staff action during a citizen's follow-up", () => {
  it("pause answers 200 saying it waits; the citizen's reasons are submitted, then the window pauses", async () => {
    await t.api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
    const { sessionId } = (await t.api.post('/sessions', {})).body as { sessionId: string };
    await ui.view((v) => v.state === 'inviting');
    await ui.send({ type: 'choose', sessionId, item: 0, level: 1 });
    await ui.view((v) => v.state === 'follow-up');
    expect(await t.api.post('/staff/pause')).toMatchObject({ status: 200, body: { ok: true, state: 'follow-up', waitsForCitizen: 'pause' } });
    const submitted = await ui.send({ type: 'submitFollowUp', sessionId, tags: [], answers: {}, comment: '窗口人员态度差' });
    expect(submitted).toEqual({ ok: true });
    expect(await t.api.get(`/sessions/${sessionId}`)).toMatchObject({ body: { status: 'rated', satisfaction: 1 } });
    await ui.view((v) => v.state === 'paused');
    ui.close();
  });
});

describe('bad input', () => {
  const routes = ['/staff/login', '/staff/logout', '/staff/pause', '/staff/resume', '/sessions', '/sessions/00000000-0000-4000-8000-000000000000/cancel'];

  it('answers malformed JSON, unknown fields, wrong types and oversized bodies with 4xx and a message, changing nothing', async () => {
    await t.api.post('/staff/login', { badgeId: BADGE });
    const before = (await t.api.get('/status')).body;
    const big = JSON.stringify({ projectNo: 'x'.repeat(70 * 1024) });
    for (const path of routes) {
      const cases: [string, { raw?: string; body?: unknown }, number, RegExp][] = [
        ['malformed', { raw: '{"badgeId": "0A1B' }, 400, /not valid JSON/],
        ['unknown field', { body: { surprise: 1 } }, 400, /surprise: unknown field|give either/],
        [
          'wrong type',
          { body: path === '/sessions' ? { items: 'T1' } : path === '/staff/login' ? { badgeId: 42 } : [1, 2] },
          400,
          /expected|give either|Invalid input/,
        ],
        ['oversized', { raw: big }, 413, /larger than 64 KiB/],
        ['not JSON at all', { raw: 'badgeId=1', body: undefined }, 415, /application\/json/],
        // Fastify parses text/plain by default; the zod check then answered 400 where the contract says 415.
        ['plain text', { raw: '{"badgeId": "0A1B2C3D"}', body: undefined }, 415, /application\/json/],
      ];
      const types: Record<string, string> = { 'not JSON at all': 'application/x-www-form-urlencoded', 'plain text': 'text/plain; charset=utf-8' };
      for (const [name, c, status, message] of cases) {
        const type = types[name];
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        const r = await t.api.call('POST', path, c.body, { ...(c.raw !== undefined ? { raw: c.raw } : {}), headers });
        expect(r.status, `${name} on ${path}`).toBe(status);
        expect(typeof r.body['code'], `${name} on ${path}`).toBe('string');
        expect(String(r.body['message']), `${name} on ${path}`).toMatch(message);
      }
    }
    const after = (await t.api.get('/status')).body;
    expect(after).toEqual(before);
  });

  it('names the offending field in session bodies', async () => {
    await t.api.post('/staff/login', { badgeId: BADGE });
    const r = await t.api.post('/sessions', { projectNo: 'x'.repeat(51), items: [{ taskCode: 'T1' }], mode: 'all' });
    expect(r.status).toBe(400);
    expect(String(r.body['message'])).toMatch(/projectNo: at most 50/);
    expect(String(r.body['message'])).toMatch(/items\.0\.taskName/);
    expect(String(r.body['message'])).toMatch(/mode/);
    const many = await t.api.post('/sessions', {
      items: Array.from({ length: 21 }, (_, i) => ({ taskCode: `T${i}`, taskName: 'n', deptCode: 'd', deptName: 'd' })),
    });
    expect(String(many.body['message'])).toMatch(/items: at most 20/);
    expect(await state()).toBe('serving');
  });
});

describe('events', () => {
  it('streams staff and session events as SSE with JSON data', async () => {
    const sse = await sseClient(t.host.apiUrl);
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/text\/event-stream/);
    await t.api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
    const { sessionId } = (await t.api.post('/sessions', {})).body as { sessionId: string };
    await ui.send({ type: 'choose', sessionId, item: 0, level: 5 });
    await t.api.post('/staff/pause');
    await t.api.post('/staff/resume');
    const s2 = (await t.api.post('/sessions', {})).body as { sessionId: string };
    await t.api.post(`/sessions/${s2.sessionId}/cancel`);
    await t.api.post('/staff/logout');
    expect((await sse.waitFor('staff.login')).data).toMatchObject({ staff: { staffId: 'SM0012' } });
    expect((await sse.waitFor('session.opened')).data).toMatchObject({ sessionId });
    expect((await sse.waitFor('session.rated')).data).toMatchObject({ sessionId, satisfaction: 5 });
    for (const name of ['staff.pause', 'staff.resume', 'session.cancelled', 'staff.logout']) await sse.waitFor(name);
    sse.close();
    ui.close();
  });
});

describe('bridge socket', () => {
  it('refuses a page of another origin, telling it why', async () => {
    const ws = new WebSocket(t.host.uiUrl.replace(/^http/, 'ws') + 'bridge', { headers: { origin: 'http://evil.example' } });
    const views: unknown[] = [];
    ws.on('message', (m) => views.push(m));
    const [code, reason] = await new Promise<[number, string]>((resolve) => ws.once('close', (c: number, r: Buffer) => resolve([c, r.toString()])));
    expect(code).toBe(1008);
    expect(reason).toBe('loopback only');
    expect(views).toHaveLength(0);
  });

  it('answers an invalid intent with a clear error and changes nothing', async () => {
    await t.api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
    const { sessionId } = (await t.api.post('/sessions', {})).body as { sessionId: string };
    const pending = ui.nextResult();
    ui.sendRaw(JSON.stringify({ id: 'x', intent: { type: 'choose', sessionId, item: 0, level: 9 } }));
    expect(await pending).toMatchObject({ ok: false, code: 'INVALID' });
    expect(await t.api.get(`/sessions/${sessionId}`)).toMatchObject({ body: { status: 'inviting' } });
    ui.close();
  });
});
