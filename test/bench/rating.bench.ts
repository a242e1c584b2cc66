import Database from 'better-sqlite3';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, bench, describe } from 'vitest';
import { startHost, type RunningHost } from '../../main/host/host.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { coreFixture, silentLog } from '../helpers/core.js';
import { BADGE, tempDir, TOKEN, writeProvisioning } from '../helpers/fixtures.js';

/**
 * `npm run bench`. Each group compares the product's path with a baseline measured in the same run:
 * a durable rating against one raw fsync'd SQLite insert, a local-API call against a bare loopback POST.
 */

describe('durable write: one rating vs one raw insert (WAL, synchronous=FULL)', () => {
  const raw = tempDir();
  const db = new Database(`${raw.path}/raw.db`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
  const payload = JSON.stringify({ satisfaction: 4, note: 'x'.repeat(600) });

  const f = coreFixture();
  f.terminal.loginByBadge(BADGE);

  afterAll(() => {
    db.close();
    raw.cleanup();
    f.cleanup();
  });

  bench('baseline: raw SQLite insert, one transaction', async () => {
    db.transaction(() => insert.run(payload))();
  });

  bench('terminal: open invitation + choose (session row, outbox entry, seq, SM3 chain)', async () => {
    const { sessionId } = await f.terminal.openSession({});
    f.terminal.choose(sessionId, 0, 4, '4');
  });
});

// Servers start at module load: bench mode does not run async beforeAll hooks before its tasks.
const rawServer: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
await new Promise<void>((r) => rawServer.listen(0, '127.0.0.1', r));
const rawPort = (rawServer.address() as AddressInfo).port;
const keys = tempDir('hcp-keys-');
const data = tempDir();
process.env['HCP_KEY_DIR'] = keys.path;
const runtime: Runtime = await startRuntime({ dataDir: data.path, provisioningFile: readProvisioningFile(writeProvisioning(data.path)), log: silentLog });
const host: RunningHost = await startHost({ runtime, host: '127.0.0.1', port: 0, uiDir: '/nonexistent', log: silentLog, dataDir: data.path, kioskUi: false });
runtime.terminal.loginByBadge(BADGE);

function post(port: number, path: string, body: string, token?: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('local API: one call vs a bare loopback POST', () => {
  afterAll(async () => {
    rawServer.close();
    await host.close();
    await runtime.close();
    data.cleanup();
    keys.cleanup();
  });

  bench('baseline: bare Node http POST on loopback', async () => {
    await post(rawPort, '/x', '{}');
  });

  bench('local API: POST /staff/pause then /staff/resume (two calls: auth, parse, validate, state change, SSE)', async () => {
    await post(host.port, '/api/v1/staff/pause', '{}', TOKEN);
    await post(host.port, '/api/v1/staff/resume', '{}', TOKEN);
  });
});

// ── upload: one signed 200-record batch through the adapter to the strict simulator vs the same bytes posted bare ──
const { startProvinceSim } = await import('../../sync/province-sim/simulator.js');
const { JsonProvinceAdapter } = await import('../../sync/province/json-adapter.js');
const { ClockOffset } = await import('../../sync/clock-offset.js');
const { chainHash, GENESIS_CHAIN_HASH } = await import('../../sync/chain.js');
const { randomUUID } = await import('node:crypto');

const sim = await startProvinceSim({ apps: [{ appKey: 'k', appSecret: 'secret-123456' }] });
const adapter = new JsonProvinceAdapter({
  baseUrl: sim.url,
  credentials: { appKey: 'k', appSecret: 'secret-123456', terminalId: 'T-1', signAlg: 'HMAC-SM3' },
  clock: new ClockOffset(),
});
let seq = 0;
let prev = GENESIS_CHAIN_HASH;
function batch() {
  return Array.from({ length: 200 }, () => {
    const base = {
      evalId: randomUUID(),
      seq: ++seq,
      terminalId: 'T-1',
      areaCode: '350402',
      hallCode: 'H01',
      windowCode: 'A12',
      pf: '4' as const,
      satisfaction: 5,
      assessTime: '2026-11-24 10:00:00',
      clockTrusted: true,
      assessNumber: 1 as const,
      evaluateType: 1 as const,
      proManager: 'SM0012',
      proManagerName: '张三',
      flags: [],
    };
    prev = chainHash(prev, base);
    return { ...base, chainHash: prev };
  });
}
const sampleBody = JSON.stringify({ batchId: randomUUID(), terminalId: 'T-1', records: batch() });

describe('upload: one 200-record batch vs the same bytes posted bare', () => {
  afterAll(() => sim.close());

  bench('baseline: bare loopback POST of a 200-record body', async () => {
    await post(rawPort, '/x', sampleBody);
  });

  bench('adapter → simulator: SM3-signed, every record schema- and chain-checked', async () => {
    const r = await adapter.uploadBatch(randomUUID(), batch());
    if (r.kind !== 'results') throw new Error(r.kind);
  });
});
