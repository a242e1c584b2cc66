import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { startProvinceSim, type ProvinceSim } from '../../sync/province-sim/simulator.js';
import { JsonProvinceAdapter } from '../../sync/province/json-adapter.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { Uploader } from '../../sync/uploader.js';
import { APP_A, bundleOf, chainedRecords, rechained } from '../helpers/bundles.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';
import { accepted, APP, simConfig, until } from '../helpers/sync-rig.js';

const A = 'T-350402-0001';
const B = 'T-350402-0002';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Terminal B's sync as the engine builds it, on a real SQLite file: its outbox with `own` records, its relay queue. */
function terminalB(baseUrl: string, own: number) {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < own; i++) outbox.append(newRecord({ terminalId: B, clockTrusted: true }), { held: false });
  })();
  const bundles = new BundleQueue(db);
  const adapter = new JsonProvinceAdapter({ baseUrl, credentials: { ...APP, terminalId: B, signAlg: 'HMAC-SM3' }, clock: new ClockOffset(), timeoutMs: 5000 });
  const uploader = new Uploader({ adapter, outbox, bundles, log: silentLog, backoffBaseMs: 20, backoffCapMs: 200, idleMs: 50 });
  cleanups.push(async () => {
    await uploader.stop();
    db.close();
    dir.cleanup();
  });
  return { db, outbox, bundles, uploader };
}

const ownStates = (o: Outbox) => o.list().map((e) => e.state);

describe('relay bundles never hold back the terminal’s own records (issue 15)', { timeout: 60_000 }, () => {
  it('a bundle refused 401 BAD_SIGNATURE is a dead letter at once; own records and the genuine bundle imported after the tampered copy go', async () => {
    const sim: ProvinceSim = await startProvinceSim({ apps: [APP, APP_A], config: simConfig() });
    cleanups.push(() => sim.close());
    const b = terminalB(sim.url, 3);
    const genuine = bundleOf(A, chainedRecords(A, 3));
    // B holds no secret of A's app key, and the copy's chain was recomputed after the change: only the province can tell.
    const knows = { terminalId: B, secretOf: () => null };
    expect(b.bundles.add(JSON.stringify(rechained(genuine, 2)), knows)).toMatchObject({ ok: true, isNew: true });

    b.uploader.start();
    await until(
      () => ownStates(b.outbox),
      (s) => s.every((x) => x === 'accepted'),
      20_000,
      'B’s own records accepted',
    );
    await until(
      () => b.bundles.list()[0]?.state,
      (s) => s !== 'pending',
      20_000,
      'the tampered copy judged',
    );
    expect(b.bundles.list()[0]).toMatchObject({
      state: 'rejected',
      lastCode: 'BAD_SIGNATURE',
      attempts: 1,
      lastError: expect.stringMatching(/signature/) as string,
    });

    // The genuine file, carried over after the tampered copy, is a bundle of its own and goes.
    expect(b.bundles.add(JSON.stringify(genuine), knows)).toMatchObject({ ok: true, isNew: true });
    b.uploader.notify();
    await until(
      () => b.bundles.list()[1]?.state,
      (s) => s === 'done',
      20_000,
      'the genuine bundle relayed',
    );
    const [copy, real] = b.bundles.list();
    expect(copy).toMatchObject({ state: 'rejected', attempts: 1 });
    expect(real).toMatchObject({ state: 'done', accepted: 3, signature: genuine.signature });
    const byTerminal = (id: string) => accepted(sim).filter((r) => r.terminalId === id);
    expect(byTerminal(A).map((r) => r.satisfaction)).toEqual([4, 4, 4]);
    expect(byTerminal(B)).toHaveLength(3);
  });

  it('a bundle the province keeps failing backs off on its own while the terminal’s own records go', async () => {
    let bundleTries = 0;
    let batches = 0;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/hcp/v1/evaluation-bundles') {
          bundleTries++;
          res.writeHead(503).end(JSON.stringify({ code: 'UNAVAILABLE', message: 'bundle service down' }));
          return;
        }
        batches++;
        const { records } = JSON.parse(body) as { records: { evalId: string }[] };
        res.writeHead(200).end(JSON.stringify({ results: records.map((r) => ({ evalId: r.evalId, status: 'accepted' })) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const b = terminalB(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, 2);
    expect(b.bundles.add(JSON.stringify(bundleOf(A, chainedRecords(A, 2))))).toMatchObject({ ok: true });
    b.uploader.start();
    await until(
      () => ownStates(b.outbox),
      (s) => s.every((x) => x === 'accepted'),
      20_000,
      'own records accepted while the bundle fails',
    );
    // New ratings keep going too, each while the bundle waits for its turn.
    b.db.transaction(() => b.outbox.append(newRecord({ terminalId: B, clockTrusted: true }), { held: false }))();
    b.uploader.notify();
    await until(
      () => ownStates(b.outbox),
      (s) => s.length === 3 && s.every((x) => x === 'accepted'),
      20_000,
      'a later rating accepted',
    );
    expect(bundleTries).toBeGreaterThanOrEqual(1);
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(b.bundles.list()[0]).toMatchObject({ state: 'pending', lastError: expect.stringMatching(/503/) as string });
  });
});
