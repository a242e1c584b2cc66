import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { readDatabaseSchema } from '../../main/store/schema-info.js';
import { releasesReport } from '../../main/update/status.js';
import { BridgeClient } from '../helpers/clients.js';
import { provisioningFile, tempDir } from '../helpers/fixtures.js';
import { BIN, runCommand } from '../helpers/process.js';
import { bundleOf, installFirstRelease, TEST_KEY, type TestRelease } from '../helpers/releases.js';
import { until } from '../helpers/sync-rig.js';
import { freePort } from '../helpers/free-port.js';

/** A loaded two-core machine starts Node slowly: a command gets a minute and a half. */
const SLOW = 90_000;

const root = tempDir('hcp-kiosk-health-');
const keys = tempDir('hcp-keys-');
afterAll(() => [root, keys].forEach((d) => d.cleanup()));

const A: TestRelease = { version: '1.0.0', seq: 1 };
const B: TestRelease = { version: '1.1.0', seq: 2 };
const C: TestRelease = { version: '1.2.0', seq: 3 };

/** The launcher as the package runs it, with `--kiosk`: every line it prints on standard output is kept. */
function launch(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const lines: string[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return { lines, stderr: () => err, stop: () => (proc.kill('SIGTERM'), exited) };
}

describe('a release on trial at a window with a kiosk is good only once its kiosk page connects', () => {
  it('B is marked good after the kiosk page connects; C, whose page never connects (only another page does), is rolled back', async () => {
    const data = join(root.path, 'data');
    const releasesDir = installFirstRelease(root.path, A);
    const port = await freePort();
    const ui = `http://127.0.0.1:${String(port)}/`;
    const prov = join(root.path, 'provision.json');
    writeFileSync(prov, JSON.stringify({ ...provisioningFile({ port }), updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 } }));
    const env = { HCP_KEY_DIR: keys.path, HCP_TEST_HOOKS: '1', HCP_UPDATES_POLL_MS: '200', HCP_LOG_LEVEL: 'info', HCP_UPDATES_TRIAL_MS: '1000' };
    const args = ['--data-dir', data, '--releases-dir', releasesDir, '--port', String(port), '--config', prov, '--kiosk'];
    const report = () => releasesReport(releasesDir, { database: readDatabaseSchema(data), trialMinutes: 10 });
    const update = (file: string) => {
      const u = runCommand(['update', '--file', file, '--data-dir', data, '--releases-dir', releasesDir], env, SLOW);
      expect(u.code, u.stderr).toBe(0);
    };
    /** What the launcher's consumers saw: one ready line, and never a health line. */
    const expectOneReadyLine = (lines: string[]) => {
      expect(lines.filter((l) => l.includes('"ready"'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('health'))).toEqual([]);
    };

    // The kiosk page has a generous while to connect here: it connects as soon as B is up.
    let t = launch(args, { ...env, HCP_UPDATES_HEALTH_MS: '300000' });
    try {
      await until(
        () => t.lines.length,
        (n) => n > 0,
        120_000,
        'A ready',
      );
      update((await bundleOf(root.path, B)).file);
      await until(
        () => t.stderr(),
        (s) => s.includes('"version":"1.1.0"') && s.includes('waiting for it to be healthy'),
        120_000,
        'B ready on trial',
      );
      // Ready is not enough at a window with a kiosk: B is still on trial until its kiosk page has connected.
      expect(report()).toMatchObject({ current: B.version, lastKnownGood: A.version, trial: { onTrial: true } });
      const page = await BridgeClient.kiosk(ui, data);
      try {
        await until(
          () => report(),
          (r) => r.current === B.version && r.lastKnownGood === B.version && !r.trial.onTrial,
          120_000,
          'B marked good once its kiosk page connected',
        );
      } finally {
        page.close();
      }
      expectOneReadyLine(t.lines);
      await t.stop();

      // C: its kiosk page never connects. Another page on the machine does (it has no kiosk secret), which must not count.
      // Each start gets 8 s to become healthy: were that page counted, C would pass its 1 s trial well within them.
      t = launch(args, { ...env, HCP_UPDATES_HEALTH_MS: '8000' });
      await until(
        () => t.lines.length,
        (n) => n > 0,
        120_000,
        'B ready',
      );
      update((await bundleOf(root.path, C)).file);
      const stranger = { on: true, tries: 0 };
      const knock = (async () => {
        while (stranger.on) {
          await BridgeClient.connect(ui)
            .then((c) => (stranger.tries++, c.close()))
            .catch(() => undefined);
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      const back = await until(
        () => report(),
        (r) => r.rolledBackFrom === C.version && r.current === B.version,
        240_000,
        'C rolled back after its starts were spent',
      ).finally(() => (stranger.on = false));
      await knock;
      expect(stranger.tries).toBeGreaterThan(0);
      expect(back).toMatchObject({ lastKnownGood: B.version, trial: { onTrial: false } });
      expect(back.releases.find((r) => r.version === C.version)?.failedTrial).toBe(true);
      expect(back.history.filter((h) => h.kind === 'start' && h.version === C.version)).toHaveLength(3);
      expect(back.history.some((h) => h.kind === 'good' && h.version === C.version)).toBe(false);
      expect(t.stderr()).toContain('did not become healthy (no kiosk page connected)');
      expectOneReadyLine(t.lines);
    } finally {
      await t.stop();
    }
  }, 600_000);
});
