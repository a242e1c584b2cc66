import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../sync/chain.js';
import type { ProvinceSim } from '../../sync/province-sim/simulator.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { runCommand, startTerminal, type RunningTerminal } from '../helpers/process.js';
import { accepted, FAST_SYNC, rateOnce, startSim, until } from '../helpers/sync-rig.js';

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

describe('an offline hall syncs through another terminal (province-api v1.1 evaluation-bundles)', { timeout: 120_000 }, () => {
  it('A offline rates and exports; B imports twice and relays once; A online later gets duplicates and empties its queue', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const sim: ProvinceSim = await startSim();
    cleanups.push(() => sim.close());
    const dataA = join(dir.path, 'a');
    const dataB = join(dir.path, 'b');

    // A: its province unreachable.
    const a = await serve(dataA, writeProvisioning(dir.path, { baseUrl: 'http://127.0.0.1:9', terminalId: A }, 'a-offline.json'));
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
    const b0 = await serve(dataB, writeProvisioning(dir.path, { baseUrl: sim.url, terminalId: B }, 'b.json'));
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

    const b = await serve(dataB, writeProvisioning(dir.path, { baseUrl: sim.url, terminalId: B }, 'b.json'));
    await until(
      () => accepted(sim).length,
      (n) => n === 4,
      15_000,
      'relayed records accepted',
    );
    expect(sim.relayedBy).toEqual([{ relay: B, origin: A, records: 4 }]);
    const records = accepted(sim);
    expect(records.every((r) => r.terminalId === A)).toBe(true);
    expect(new Set(records.map((r) => r.groupId))).toEqual(new Set(sessions));
    expect(verifyChain(records)).toBeNull();
    await b.t.stop();

    // A comes online: its own uploads are duplicates, counted as delivered; nothing new reaches the province.
    const a2 = await serve(dataA, writeProvisioning(dir.path, { baseUrl: sim.url, terminalId: A }, 'a-online.json'));
    await until(
      () => pendingOf(a2.api),
      (n) => n === 0,
      15_000,
      'A queue drained',
    );
    expect(sim.stats.duplicates).toBe(4);
    expect(accepted(sim)).toHaveLength(4);
    expect([...sim.records.values()].filter((r) => r.status !== 'accepted')).toEqual([]);
    expect(JSON.parse(readFileSync(bundle, 'utf8'))).toMatchObject({ terminalId: A, format: 'hcp-export/1' });
  });
});
