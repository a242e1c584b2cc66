import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProvinceSim } from '../../sync/province-sim/simulator.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { provisioningFile } from '../helpers/fixtures.js';
import { keypadRater } from '../helpers/keypad-rater.js';
import { accepted, FAST_SYNC, rateOnce, startSim, until } from '../helpers/sync-rig.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const PKG = 'hcp-terminal';
const DATA = '/var/lib/hcp-terminal';
const ETC = '/etc/hcp-terminal';
const BACKUPS = '/var/backups/hcp-terminal';
const UNIT = '/lib/systemd/system/hcp-terminal.service';
// Ports of this test alone (other suites use 0 or their own).
const SIM_PORT = 18791;
const API_PORT = 18790;
const DOWN = { rates: { down: 1 }, skewMs: 0 };

const isRoot = process.getuid?.() === 0;
const hasDpkg = spawnSync('dpkg', ['--version']).status === 0;
const alreadyThere = hasDpkg && spawnSync('dpkg', ['-s', PKG], { stdio: 'ignore' }).status === 0;

function sh(cmd: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', ...env }, maxBuffer: 256 * 1024 * 1024 });
}
function ok(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = sh(cmd, args, env);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} → ${String(r.status)}\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** The unit's ExecStart, with its environment file's HCP_SERVE_ARGS replaced by this test's own. */
function execStart(extra: string[]): string[] {
  const line = /^ExecStart=(.+)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1];
  if (!line) throw new Error('no ExecStart in the unit');
  return line.split(' ').flatMap((w) => (w === '$HCP_SERVE_ARGS' ? extra : [w]));
}

interface Started {
  ui: string;
  api: string;
  stop: () => Promise<void>;
}

/** Starts the unit's ExecStart by hand as the service user (no systemd here) and waits for the ready line. */
function startAsService(): Promise<Started> {
  const cmd = execStart(['--config', `${ETC}/provisioning.json`, '--port', String(API_PORT)]);
  const env = { ...process.env, ...FAST_SYNC, HCP_LOG_LEVEL: 'warn' };
  const proc = spawn('runuser', ['-u', 'hcp-terminal', '--', ...cmd], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no ready line in 120 s: ${err}`));
    }, 120_000);
    void exited.then(() => reject(new Error(`exited before ready: ${err}`)));
    createInterface({ input: proc.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { event: string; ui: string; api: string };
      resolve({
        ui: ready.ui,
        api: ready.api,
        stop: async () => {
          proc.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** Logs the staff member in, then rates once on the screen (API invitation) and once on the simulated keypad. */
async function rateTwice(t: Started): Promise<void> {
  const token = (provisioningFile().localApi as { token: string }).token;
  const api = apiClient(t.api, token);
  const ui = await BridgeClient.kiosk(t.ui, DATA);
  try {
    await until(
      () => api.post('/staff/login', { staffId: 'SM0012', pin: '1234' }),
      (r) => r.status === 200,
      20_000,
      'staff login',
    );
    await rateOnce(api, ui, 5);
    await until(
      () => ui.latest?.state,
      (s) => s === 'serving',
      30_000,
      'back to serving',
    );
    await keypadRater(ui).rate(1);
    await until(
      () => ui.latest?.state,
      (s) => s === 'serving',
      30_000,
      'back to serving',
    );
  } finally {
    ui.close();
  }
}

function queue(): { pending: number; lastSeq: number } {
  const out = ok('runuser', ['-u', 'hcp-terminal', '--', '/usr/bin/hcp-terminal', 'status', '--data-dir', DATA]);
  return (JSON.parse(out.slice(0, out.lastIndexOf('}') + 1)) as { queue: { pending: number; lastSeq: number } }).queue;
}

describe.runIf(isRoot && hasDpkg && !alreadyThere)('the Debian package, as a technician installs it', () => {
  const backupsBefore = existsSync(BACKUPS);
  let deb = process.env['HCP_DEB'] ?? '';
  let sim: ProvinceSim | undefined;
  let terminal: Started | undefined;

  afterAll(async () => {
    await terminal?.stop();
    await sim?.close();
    // Leave the machine as it was: no package, no user, no data, no backups this test made.
    sh('dpkg', ['-P', PKG], { HCP_TERMINAL_BACKUPS: '/tmp/hcp-terminal-package-test-backups' });
    rmSync('/tmp/hcp-terminal-package-test-backups', { recursive: true, force: true });
    if (!backupsBefore) rmSync(BACKUPS, { recursive: true, force: true });
    if (sh('getent', ['passwd', 'hcp-terminal']).status === 0) sh('deluser', ['--system', 'hcp-terminal']);
  });

  it('builds, passes lintian, installs, runs, keeps ratings over remove and reinstall, and keeps unsent ones over purge', async () => {
    // 1. Build (HCP_DEB: an already built package).
    if (!deb) {
      const out = ok(process.execPath, [join(ROOT, 'packaging', 'build-deb.mjs')]);
      deb = (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { out: string }).out;
    }
    expect(existsSync(deb)).toBe(true);

    // 2. lintian: no errors (warnings are overridden with reasons, packaging/debian/lintian-overrides).
    if (process.env['HCP_PACKAGE_LINTIAN'] !== '0' && sh('lintian', ['--version']).status === 0) {
      // As root lintian only warns that it runs as root (on stderr); that is no finding about the package.
      const lint = sh('lintian', ['--fail-on', 'error', deb]);
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    }

    // 3. apt-get install ./…deb
    ok('apt-get', ['install', '-y', '-q', '--no-install-recommends', deb]);

    // 4. The user, modes, unit and udev rule.
    const passwd = ok('getent', ['passwd', 'hcp-terminal']).trim().split(':');
    expect(passwd[5]).toBe(DATA);
    expect(passwd[6]).toMatch(/nologin$/);
    expect(Number(passwd[2])).toBeLessThan(1000);
    expect(ok('id', ['-nG', 'hcp-terminal']).split(/\s+/)).toContain('dialout');
    const data = statSync(DATA);
    expect(data.mode & 0o777).toBe(0o700);
    expect(data.uid).toBe(Number(passwd[2]));
    expect(statSync(ETC).mode & 0o777).toBe(0o750);
    expect(readFileSync(`${ETC}/hcp-terminal.env`, 'utf8')).toMatch(/^HCP_SERVE_ARGS=/m);
    expect(ok('dpkg-query', ['-W', '-f=${Conffiles}', PKG])).toContain(`${ETC}/hcp-terminal.env`);
    expect(lstatSync('/usr/lib/hcp-terminal/current').isSymbolicLink()).toBe(true);
    const version = readlinkSync('/usr/lib/hcp-terminal/current').replace(/^releases\//, '');
    expect(existsSync(`/usr/lib/hcp-terminal/releases/${version}/node/bin/node`)).toBe(true);
    expect(existsSync(`/usr/lib/hcp-terminal/releases/${version}/sbom.cdx.json`)).toBe(true);
    expect(readFileSync(UNIT, 'utf8')).toMatch(/^User=hcp-terminal$/m);
    expect(readFileSync('/lib/udev/rules.d/60-hcp-terminal.rules', 'utf8')).toMatch(/SUBSYSTEM=="hidraw".*GROUP="hcp-terminal", MODE="0660"/);
    expect(existsSync('/etc/systemd/system/multi-user.target.wants/hcp-terminal.service')).toBe(true);
    if (sh('systemd-analyze', ['--version']).status === 0) {
      const v = sh('systemd-analyze', ['verify', UNIT]);
      expect(`${v.stdout}${v.stderr}`.split('\n').filter((l) => l.includes('hcp-terminal.service'))).toEqual([]);
    }

    // 5–6. Provision through /etc (a simulated keypad, the simulator as province), start ExecStart as the service
    // user, rate on the screen and on the keypad; both reach the province.
    sim = await startSim({ port: SIM_PORT });
    const file = provisioningFile({ baseUrl: sim.url, port: API_PORT, devices: { keypad: { type: 'simulated' }, badge: { type: 'keyboard' } } });
    writeFileSync(`${ETC}/provisioning.json`, JSON.stringify(file, null, 2), { mode: 0o640 });
    ok('chown', ['root:hcp-terminal', `${ETC}/provisioning.json`]);
    terminal = await startAsService();
    await rateTwice(terminal);
    await until(
      () => accepted(sim as ProvinceSim).length,
      (n) => n >= 2,
      60_000,
      'two ratings accepted by the province',
    );
    // The province goes down: two more ratings wait in the outbox.
    sim.setFaults(DOWN);
    await rateTwice(terminal);
    await terminal.stop();
    terminal = undefined;
    expect(queue()).toMatchObject({ pending: 2, lastSeq: 4 });

    // 7. dpkg -r: the program goes, the data and settings stay.
    ok('dpkg', ['-r', PKG]);
    expect(existsSync('/usr/bin/hcp-terminal')).toBe(false);
    expect(existsSync('/usr/lib/hcp-terminal')).toBe(false);
    expect(existsSync(`${DATA}/hcp-terminal.db`)).toBe(true);
    expect(existsSync(`${ETC}/hcp-terminal.env`)).toBe(true);

    // 8. Install again: the two unsent ratings are still there, and upload.
    ok('apt-get', ['install', '-y', '-q', '--no-install-recommends', deb]);
    expect(queue()).toMatchObject({ pending: 2, lastSeq: 4 });
    sim.setFaults(NO_FAULTS);
    terminal = await startAsService();
    await until(
      () => accepted(sim as ProvinceSim).map((r) => r.seq),
      (seqs) => seqs.includes(3) && seqs.includes(4),
      60_000,
      'the kept ratings uploaded',
    );
    sim.setFaults(DOWN);
    await rateTwice(terminal);
    await terminal.stop();
    terminal = undefined;
    expect(queue()).toMatchObject({ pending: 2, lastSeq: 6 });

    // 9a. A purge that cannot write its backup refuses, and deletes nothing.
    writeFileSync('/tmp/hcp-terminal-package-test-backups', 'a file where the backup folder should be');
    const refused = sh('dpkg', ['-P', PKG], { HCP_TERMINAL_BACKUPS: '/tmp/hcp-terminal-package-test-backups/x' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/purge refused, nothing deleted/);
    expect(existsSync(`${DATA}/hcp-terminal.db`)).toBe(true);
    rmSync('/tmp/hcp-terminal-package-test-backups', { force: true });

    // 9b. dpkg -P: each unsent rating is in a bundle under /var/backups/hcp-terminal/, and the purge says so.
    const before = existsSync(BACKUPS) ? readdirSync(BACKUPS) : [];
    const purge = sh('dpkg', ['-P', PKG]);
    expect(purge.status, purge.stderr).toBe(0);
    expect(`${purge.stdout}${purge.stderr}`).toMatch(/2 ratings not yet accepted by the province were saved to \/var\/backups\/hcp-terminal\//);
    const made = readdirSync(BACKUPS).filter((d) => !before.includes(d));
    expect(made).toHaveLength(1);
    const bundle = JSON.parse(readFileSync(join(BACKUPS, made[0] ?? '', 'unsent-records.json'), 'utf8')) as { records: { seq: number }[] };
    expect(bundle.records.map((r) => r.seq).sort()).toEqual([5, 6]);
    expect(existsSync(DATA)).toBe(false);
    expect(existsSync(ETC)).toBe(false);
    expect(sh('getent', ['passwd', 'hcp-terminal']).status).not.toBe(0);
  });
});
