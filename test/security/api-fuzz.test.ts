import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../main/host/host.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { apiClient } from '../helpers/clients.js';
import { silentLog } from '../helpers/core.js';
import { BADGE, tempDir, TOKEN, writeProvisioning } from '../helpers/fixtures.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const keys = tempDir('hcp-keys-');
process.env['HCP_KEY_DIR'] = keys.path;
const data = tempDir();
let runtime: Runtime;
let host: RunningHost;

beforeAll(async () => {
  runtime = await startRuntime({ dataDir: data.path, provisioningFile: readProvisioningFile(writeProvisioning(data.path)), log: silentLog });
  host = await startHost({ runtime, host: '127.0.0.1', port: 0, uiDir: '/nonexistent', log: silentLog, dataDir: data.path });
});

afterAll(async () => {
  await host.close();
  await runtime.close();
  data.cleanup();
  keys.cleanup();
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

const ROUTES = [
  '/api/v1/health',
  '/api/v1/status',
  '/api/v1/staff/login',
  '/api/v1/staff/logout',
  '/api/v1/staff/pause',
  '/api/v1/staff/resume',
  '/api/v1/sessions',
  '/api/v1/events',
  '/',
  '/bridge',
  '/kiosk/claim',
];

function send(r: FuzzRequest): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: host.port, method: r.method, path: r.path, headers: r.headers, timeout: 5000 }, (res) => {
      // Event streams stay open: the status is what matters.
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', () => resolve(-1));
    req.on('timeout', () => req.destroy());
    req.end(r.body ?? undefined);
  });
}

const safeHeaderValue = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  path: fc.oneof(
    fc.constantFrom(...ROUTES),
    fc
      .tuple(fc.constantFrom('/api/v1/sessions/', '/api/v1/sessions/00000000-0000-4000-8000-000000000000/', '/api/v1/'), fc.webPath())
      .map(([a, b]) => a + b.replace(/^\//, '')),
    fc.webPath().map((p) => (p.startsWith('/') ? p : '/' + p)),
  ),
  headers: fc.record(
    {
      authorization: fc.oneof(fc.constant(`Bearer ${TOKEN}`), fc.constant('Bearer wrong-token-value-000'), safeHeaderValue),
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        '',
      ),
      host: fc.oneof(fc.constant('HOST'), fc.constant('HOST'), fc.constant('attacker.example:1'), safeHeaderValue),
      origin: fc.constantFrom('http://evil.example', 'null', 'HOST-ORIGIN'),
      cookie: fc.constantFrom('hcp_kiosk=guess', 'a=b'),
      'x-fuzz': safeHeaderValue,
    },
    { requiredKeys: [] },
  ),
  body: fc.oneof(
    fc.constant(null),
    fc.json({ maxDepth: 4 }).map((j) => Buffer.from(j)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify({ badgeId: v, staffId: v, pin: v, projectNo: v, items: v, mode: v, applicant: v }))),
    fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  ),
});

describe('local API fuzz', () => {
  it('answers 10,000 random requests on every route without a 5xx, a crash or a rating, with flat memory', async () => {
    const api = apiClient(host.apiUrl);
    await api.post('/staff/login', { badgeId: BADGE });
    const open = (await api.post('/sessions', {})).body as { sessionId: string };
    const own = `127.0.0.1:${String(host.port)}`;
    const statuses = new Map<number, number>();
    // Retained memory, not garbage V8 has yet to collect (Node 24's V8 collects lazily: 108 MiB of garbage here).
    collectGarbage();
    const before = process.memoryUsage();
    let served = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (r) => {
        const headers = { ...r.headers };
        if (headers.host === 'HOST' || headers.host === undefined) headers.host = own;
        if (headers.origin === 'HOST-ORIGIN') headers.origin = `http://${own}`;
        if (headers.host === '') delete headers.host;
        if (r.body) headers['content-length'] = String(r.body.length);
        const status = await send({ ...r, headers });
        served += 1;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        // The event stream route legitimately answers 503 once its streams are all taken; anything else 5xx is a bug.
        const streamsFull = status === 503 && r.path.startsWith('/api/v1/events');
        return status >= 0 && (status < 500 || streamsFull);
      }),
      { numRuns: 10_000, seed: 20261125, endOnFailure: true },
    );
    collectGarbage();
    const after = process.memoryUsage();
    process.stdout.write(
      `API fuzz: ${String(served)} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, heap ${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(1)} MiB, rss ${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MiB\n`,
    );
    // Still answering, nothing rated, nothing queued.
    expect((await api.get('/health')).status).toBe(200);
    expect(new Outbox(runtime.db).counts()).toMatchObject({ pending: 0, held: 0, deadLetter: 0 });
    expect(runtime.db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE status = 'rated'`).get()).toEqual({ n: 0 });
    expect((await api.get(`/sessions/${open.sessionId}`)).body['status']).not.toBe('rated');
    expect(after.heapUsed - before.heapUsed).toBeLessThan(64 * 2 ** 20);
  }, 180_000);
});
