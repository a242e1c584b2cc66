import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { sm3Hex } from '../../sync/crypto/gm.js';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../../main/store/database.js';
import { releasesReport } from '../../main/update/status.js';
import { readDatabaseSchema } from '../../main/store/schema-info.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, provisioningFile, tempDir } from '../helpers/fixtures.js';
import { BIN, runCommand } from '../helpers/process.js';

/** A loaded two-core machine starts Node slowly: a command gets a minute and a half. */
const SLOW = 90_000;
import { buildRelease, bundleOf, installFirstRelease, TEST_KEY, type TestRelease } from '../helpers/releases.js';
import { layoutOf, switchLink } from '../../main/update/layout.js';
import { expectExactlyOnce, FAST_SYNC, rateOnce, startSim, until } from '../helpers/sync-rig.js';
import Database from 'better-sqlite3';
import { freePort } from '../helpers/free-port.js';

const root = tempDir('hcp-rollback-');
const keys = tempDir('hcp-keys-');
afterAll(() => [root, keys].forEach((d) => d.cleanup()));

const A: TestRelease = { version: '1.0.0', seq: 1 };
const B: TestRelease = { version: '1.1.0', seq: 2, extraMigration: true };
const B2: TestRelease = { version: '1.1.1', seq: 3, extraMigration: true };

const sm3Of = (file: string) => sm3Hex(new Uint8Array(readFileSync(file)));

/** The package's launcher, run the way /usr/bin/hcp-terminal runs it: `serve` with releases, judging `current` from outside. */
function launch(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  // The first ready line the launcher passes on (A's, or after a rollback the good release's).
  const ready = new Promise<{ ui: string; api: string }>((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', (line) => resolve(JSON.parse(line) as { ui: string; api: string }));
    void exited.then((c) => reject(new Error(`launcher exited ${String(c)}: ${err}`)));
  });
  return { proc, ready, exited, stderr: () => err, stop: () => (proc.kill('SIGTERM'), exited) };
}

describe('a release that fails its trial is rolled back by itself, and no rating is lost (issue 19 acceptance)', () => {
  it('A rates; B (a new migration) rates; B crashes 3 starts and A is back; every rating reaches the province once; B′ passes its trial', async () => {
    const sim = await startSim();
    const data = join(root.path, 'data');
    const releasesDir = installFirstRelease(root.path, A);
    const port = await freePort();
    const prov = join(root.path, 'provision.json');
    writeFileSync(prov, JSON.stringify({ ...provisioningFile({ baseUrl: sim.url, port }), updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 } }));
    const env = { ...FAST_SYNC, HCP_KEY_DIR: keys.path, HCP_TEST_HOOKS: '1', HCP_UPDATES_POLL_MS: '200', HCP_LOG_LEVEL: 'warn' };
    const args = ['--data-dir', data, '--releases-dir', releasesDir, '--port', String(port), '--config', prov];
    const report = () => releasesReport(releasesDir, { database: readDatabaseSchema(data), trialMinutes: 10 });
    const sessions: string[] = [];
    const versionNow = async (api: ReturnType<typeof apiClient>) => {
      const r = await api.get('/status').catch(() => ({ status: 0, body: {} }));
      return r.status === 200 ? r : null;
    };
    const rate = async (n: number) => {
      const api = apiClient(`http://127.0.0.1:${String(port)}/api/v1`);
      await until(
        () => versionNow(api),
        (r) => r !== null,
        120_000,
        'the local API answers',
      );
      const ui = await BridgeClient.kiosk(`http://127.0.0.1:${String(port)}/`, data);
      try {
        await until(
          () => api.post('/staff/login', { badgeId: BADGE }),
          (r) => r.status === 200,
          60_000,
          'login',
        );
        for (let i = 0; i < n; i++) sessions.push(await rateOnce(api, ui, 5));
      } finally {
        ui.close();
      }
    };
    let t = launch(args, { ...env, HCP_UPDATES_TRIAL_MS: '600000' });
    try {
      await t.ready;
      // 1. Release A makes ratings.
      await rate(2);
      // 2. Update to B, whose build has one more (additive) migration; the launcher restarts on it, on trial.
      const b = await bundleOf(root.path, B);
      const u = runCommand(['update', '--file', b.file, '--data-dir', data, '--releases-dir', releasesDir], env, SLOW);
      expect(u.code, u.stderr).toBe(0);
      await until(
        () => report(),
        (r) => r.current === B.version && r.trial.onTrial && r.trial.starts === 1,
        120_000,
        'B starts on trial',
      );
      await until(
        () => new Database(join(data, DB_FILE), { readonly: true }).pragma('user_version', { simple: true }) as number,
        (v) => v === b.manifest.schema.writes,
        120_000,
        'B migrates the database',
      );
      await rate(2);
      await t.stop();
      // 3. B crashes at every start from now on; the next launcher start counts starts 2 and 3, then goes back to A by itself.
      writeFileSync(join(releasesDir, B.version, 'test-hooks.json'), JSON.stringify({ extraMigration: true, crashAtStart: true }));
      t = launch(args, { ...env, HCP_UPDATES_TRIAL_MS: '600000' });
      await t.ready;
      const back = report();
      expect(back).toMatchObject({ current: A.version, lastKnownGood: A.version, rolledBackFrom: B.version, trial: { onTrial: false } });
      expect(back.releases.find((r) => r.version === B.version)?.failedTrial).toBe(true);
      expect(back.history.filter((h) => h.kind === 'start' && h.version === B.version)).toHaveLength(3);
      expect(readFileSync(join(data, 'logs', 'terminal.log'), 'utf8')).toContain('rolled back to the last known good release');
      // A reads the database B migrated (minReader 9), and keeps rating on it.
      await rate(2);
      // 4. Every rating made on A and B reaches the province exactly once, with gapless seq and an unbroken chain.
      await until(
        () => sim.records.size,
        (n) => n >= sessions.length,
        120_000,
        'every rating uploaded',
      );
      expectExactlyOnce(sim, sessions);
      // The province hears what happened from the heartbeat.
      const lastBeat = async () => ((await (await fetch(`${sim.url}/sim/state`)).json()) as { heartbeats: { body: unknown }[] }).heartbeats.at(-1)?.body;
      await until(lastBeat, (b) => JSON.stringify(b).includes('rolledBackFrom'), 60_000, 'a heartbeat after the rollback');
      expect(await lastBeat()).toMatchObject({ software: { version: A.version, trial: false, rolledBackFrom: B.version } });
      // 5. B′ (fixed) installs, passes its trial and is marked good.
      await t.stop();
      t = launch(args, { ...env, HCP_UPDATES_TRIAL_MS: '1500' });
      await t.ready;
      // This time over the network: the province announces B′ to every bucket; the terminal downloads it at once and
      // installs it only when no staff member is logged in.
      const b2 = await bundleOf(root.path, B2);
      sim.announceUpdate({ version: B2.version, seq: B2.seq, bytes: readFileSync(b2.file), rolloutPercent: 100 });
      const staffApi = apiClient(`http://127.0.0.1:${String(port)}/api/v1`);
      await until(
        () => existsSync(join(data, 'updates', `${sm3Of(b2.file)}.hcpupd`)),
        (v) => v,
        120_000,
        'B′ downloaded',
      );
      expect(report().current).toBe(A.version);
      expect((await staffApi.post('/staff/logout', {})).status).toBe(200);
      await until(
        () => report(),
        (r) => r.current === B2.version && r.lastKnownGood === B2.version && !r.trial.onTrial,
        120_000,
        'B′ passes its trial',
      );
      await rate(1);
      await until(
        () => sim.records.size,
        (n) => n >= sessions.length,
        120_000,
        'the rating on B′ uploaded',
      );
      expectExactlyOnce(sim, sessions);
    } finally {
      await t.stop();
      await sim.close();
    }
  }, 900_000);
});

describe('a release that failed its trial and cannot be rolled back is not restarted in a loop (issue 24)', () => {
  it('C crashes at start, and A cannot read the database: after its 3 starts C runs once more as it is, and the launcher stops', async () => {
    const r = tempDir('hcp-no-rollback-');
    try {
      const data = join(r.path, 'data');
      const releasesDir = installFirstRelease(r.path, A);
      // A is a release from before the database's minReader: once the database exists, nothing can go back to it.
      writeFileSync(join(releasesDir, A.version, 'release-schema.json'), JSON.stringify({ writes: 1, minReader: 1 }));
      const prov = join(r.path, 'provision.json');
      writeFileSync(prov, JSON.stringify({ ...provisioningFile(), updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 } }));
      const env = { HCP_KEY_DIR: keys.path, HCP_TEST_HOOKS: '1', HCP_UPDATES_POLL_MS: '200', HCP_LOG_LEVEL: 'info' };
      const p = runCommand(['provision', '--data-dir', data, '--file', prov], env, SLOW);
      expect(p.code, p.stderr).toBe(0);
      const C: TestRelease = { version: '1.2.0', seq: 3, crashAtStart: true };
      buildRelease(join(releasesDir, C.version), C);
      const l = layoutOf(releasesDir);
      switchLink(l.good, l, A.version);
      switchLink(l.current, l, C.version);
      const t = launch(['--data-dir', data, '--releases-dir', releasesDir, '--port', String(await freePort())], env);
      // It never prints a ready line: that it exits is what is awaited here.
      t.ready.catch(() => undefined);
      const crashes = () => t.stderr().split('this release crashes at start').length - 1;
      const run = { exited: false };
      void t.exited.then(() => (run.exited = true));
      // Either the launcher stops by itself, or C has been started more often than its trial and one more run allow.
      const seen = await until(
        () => ({ exited: run.exited, crashes: crashes() }),
        (s) => s.exited || s.crashes > 4,
        240_000,
        'the launcher stops, or starts C again and again',
      );
      const byItself = seen.exited;
      if (!byItself) await t.stop();
      expect(byItself).toBe(true);
      expect(await t.exited).not.toBe(0);
      expect(crashes()).toBe(4);
      expect(t.stderr()).toContain('cannot be rolled back');
      // Nothing switched behind the technician's back: C is still current, A still the (unreachable) good release.
      expect(releasesReport(releasesDir, { database: readDatabaseSchema(data), trialMinutes: 10 })).toMatchObject({
        current: C.version,
        lastKnownGood: A.version,
      });
    } finally {
      r.cleanup();
    }
  }, 300_000);
});
