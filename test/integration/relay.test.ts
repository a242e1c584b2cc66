import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../sync/chain.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { baseUrlAt, dialects, missing, writeDialectProvisioning, type Province } from '../helpers/dialects.js';
import { BADGE, tempDir } from '../helpers/fixtures.js';
import { runCommand, startTerminal, type RunningTerminal } from '../helpers/process.js';
import { FAST_SYNC, rateOnce, until } from '../helpers/sync-rig.js';

const keys = tempDir('hcp-keys-');
const env = { HCP_KEY_DIR: keys.path, HCP_LOG_LEVEL: 'warn', ...FAST_SYNC };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => keys.cleanup());

const A = 'T-350402-0001';
const B = 'T-350402-0002';

async function serve(dataDir: string, config: string): Promise<{ t: RunningTerminal; api: ReturnType<typeof apiClient> }> {
  const t = await startTerminal(['--data-dir', dataDir, '--port', '0', '--config', config], env);
  cleanups.push(() => (t.proc.exitCode === null ? t.stop('SIGKILL') : undefined));
  return { t, api: apiClient(t.ready.api) };
}

const pendingOf = async (api: ReturnType<typeof apiClient>) => ((await api.get('/status')).body['sync'] as { pending: number }).pending;

/** hcp-json relays the bundle as it is (evaluation-bundles); gov-form sends each record as a supplement with relayBy. */
describe.each(dialects)('an offline hall syncs through another terminal ($name)', { timeout: 120_000 }, (d) => {
  it.skipIf(missing(d) !== null)(
    'A offline rates and exports; B imports twice and relays once; A online later gets duplicates and empties its queue',
    async () => {
      const dir = tempDir();
      cleanups.push(dir.cleanup);
      const sim: Province = await d.start();
      cleanups.push(() => sim.close());
      const provision = (baseUrl: string, terminalId: string, name: string) => writeDialectProvisioning(d, dir.path, { baseUrl, terminalId }, name);
      const dataA = join(dir.path, 'a');
      const dataB = join(dir.path, 'b');

      // A: its province unreachable.
      const a = await serve(dataA, provision(baseUrlAt(d, 9), A, 'a-offline.json'));
      await until(
        () => a.api.post('/staff/login', { badgeId: BADGE }),
        (r) => r.status === 200,
        5000,
        'login at A',
      );
      const ui = await BridgeClient.kiosk(a.t.ready.ui, a.t.dataDir);
      const sessions: string[] = [];
      for (let i = 0; i < 4; i++) sessions.push(await rateOnce(a.api, ui, i % 2 ? 4 : 5));
      ui.close();
      expect(await pendingOf(a.api)).toBe(4);
      await a.t.stop();
      const bundle = join(dir.path, 'usb', 'a.json');
      mkdirSync(join(dir.path, 'usb'));
      const exported = runCommand(['export', '--data-dir', dataA, '--out', bundle], env);
      expect(exported.code, exported.stderr).toBe(0);
      expect(JSON.parse(exported.stdout)).toMatchObject({ records: 4, files: [bundle] });

      // B: online, stopped while the technician imports the bundle, twice.
      const b0 = await serve(dataB, provision(sim.url, B, 'b.json'));
      await b0.t.stop();
      const first = runCommand(['import', '--data-dir', dataB, '--file', bundle], env);
      const second = runCommand(['import', '--data-dir', dataB, '--file', bundle], env);
      expect(JSON.parse(first.stdout)).toMatchObject({ event: 'imported', records: 4, new: true });
      expect(JSON.parse(second.stdout)).toMatchObject({ event: 'imported', records: 4, new: false });
      const garbage = join(dir.path, 'usb', 'notes.json');
      writeFileSync(garbage, '{"format":"something else"}');
      expect(runCommand(['import', '--data-dir', dataB, '--file', garbage], env)).toMatchObject({ code: 2 });
      // Both imports are in B's audit log, the refused one not.
      const db = new Database(join(dataB, 'hcp-terminal.db'), { readonly: true });
      const audited = db.prepare(`SELECT detail FROM audit_log WHERE action = 'relay.import'`).all() as { detail: string }[];
      db.close();
      expect(audited.map((a) => JSON.parse(a.detail) as { new: boolean; records: number })).toEqual([
        expect.objectContaining({ source: 'cli', records: 4, new: true }),
        expect.objectContaining({ source: 'cli', records: 4, new: false }),
      ]);

      const b = await serve(dataB, provision(sim.url, B, 'b.json'));
      await until(
        () => sim.held().length,
        (n) => n === 4,
        20_000,
        'relayed records held',
      );
      expect(sim.relays()).toEqual([{ relay: B, origin: A, records: 4 }]);
      const records = sim.held();
      expect(records.every((r) => r.terminalId === A)).toBe(true);
      expect(new Set(records.map((r) => r.sessionId))).toEqual(new Set(sessions));
      expect(records.map((r) => r.satisfaction)).toEqual([5, 4, 5, 4]);
      expect(verifyChain(records)).toBeNull();
      await b.t.stop();

      // A comes online: its own uploads are duplicates, counted as delivered; nothing new reaches the province.
      const a2 = await serve(dataA, provision(sim.url, A, 'a-online.json'));
      await until(
        () => pendingOf(a2.api),
        (n) => n === 0,
        15_000,
        'A queue drained',
      );
      expect(sim.duplicates()).toBe(4);
      expect(sim.held()).toHaveLength(4);
      expect(sim.invalid()).toMatchObject({ invalidSignatures: 0, invalidRecords: 0, invalidRequests: 0 });
      expect(JSON.parse(readFileSync(bundle, 'utf8'))).toMatchObject({ terminalId: A, format: 'hcp-export/1' });
    },
  );
});
