import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { writeBundle } from '../../main/update/bundle-write.js';
import { debianArch } from '../../main/update/manifest.js';
import { TEST_KEY } from '../helpers/releases.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProvinceSim } from '../../sync/province-sim/simulator.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { provisioningFile } from '../helpers/fixtures.js';
import { keypadRater } from '../helpers/keypad-rater.js';
import { appFile, claimFrom, recordingBrowser, runAs } from '../helpers/kiosk-user.js';
import { accepted, FAST_SYNC, rateOnce, startSim, until } from '../helpers/sync-rig.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const PKG = 'hcp-terminal';
const DATA = '/var/lib/hcp-terminal';
const ETC = '/etc/hcp-terminal';
const BACKUPS = '/var/backups/hcp-terminal';
const LIB = '/usr/lib/hcp-terminal';
const UNIT = '/lib/systemd/system/hcp-terminal.service';
const UPDATER = '/lib/systemd/system/hcp-terminal-update.service';
const UPDATER_PATH = '/lib/systemd/system/hcp-terminal-update.path';
const SPOOL = `${DATA}/updates/install`;
// The kiosk pass's handover folder, and the desktop user at the kiosk (not the service user: docs/packaging.md).
const KIOSK = '/var/lib/hcp-terminal-kiosk';
const DESKTOP_USER = 'hcpdesk-pkgtest';
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
/** A command run beside the test's other steps: its exit status and everything it printed, when it ends. */
function background(cmd: string, args: string[]): Promise<{ status: number | null; out: string }> {
  const proc = spawn(cmd, args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => {
    proc.once('error', (err) => resolve({ status: null, out: `${out}${err.message}` }));
    proc.once('close', (status) => resolve({ status, out }));
  });
}
function ok(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = sh(cmd, args, env);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} → ${String(r.status)}\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** A unit's ExecStart, with its environment file's HCP_SERVE_ARGS replaced by this test's own. */
function execStart(extra: string[], unit = UNIT): string[] {
  const line = /^ExecStart=(.+)$/m.exec(readFileSync(unit, 'utf8'))?.[1];
  if (!line) throw new Error(`no ExecStart in ${unit}`);
  return line.split(' ').flatMap((w) => (w === '$HCP_SERVE_ARGS' ? extra : [w]));
}

/** `hcp-terminal releases`, as root. */
function releasesNow(): unknown {
  const r = sh('/usr/bin/hcp-terminal', ['releases']);
  if (r.status !== 0) throw new Error(`releases → ${String(r.status)}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The owner of a path itself (a link is not followed). */
const ownerOf = (path: string) => lstatSync(path).uid;

/** What an update may change and a refusal must not: where the pointers point, and the installed releases. */
function releaseState(): { current: string; good: string; releases: string[] } {
  return { current: readlinkSync(`${LIB}/current`), good: readlinkSync(`${LIB}/good`), releases: readdirSync(`${LIB}/releases`).sort() };
}

/** Files root left in the service user's data directory: there must be none (no log, no -wal or -shm). */
function rootOwnedInData(): string {
  return ok('find', [DATA, '-user', 'root']).trim();
}

/**
 * A signed bundle B of a newer version, made from the installed release A as a vendor makes one, whose start fails
 * (its bin exits 1: the crash test hook is off in the package); and a later bundle (seq above B's, so that only its
 * files can refuse it) with one byte of that bin changed after signing.
 */
async function brokenUpdateOf(a: string, scratch: string): Promise<{ version: string; file: string; tampered: string }> {
  const [major = 0, minor = 0, patch = 0] = a.split(/[.-]/).map(Number);
  const versionAt = (n: number) => `${String(major)}.${String(minor)}.${String(patch + n)}-pkgtest`;
  const release = join(scratch, 'release');
  ok('cp', ['-a', `${LIB}/releases/${a}`, release]);
  const pkg = JSON.parse(readFileSync(join(release, 'package.json'), 'utf8')) as { version: string; hcpRelease?: { seq: number } };
  const seq = (pkg.hcpRelease?.seq ?? 0) + 1;
  writeFileSync(join(release, 'package.json'), JSON.stringify({ ...pkg, version: versionAt(1), hcpRelease: { ...pkg.hcpRelease, seq } }, null, 2));
  writeFileSync(join(release, 'bin', 'hcp-terminal.js'), '// package test: a release that cannot start\nprocess.exit(1);\n');
  const schema = JSON.parse(readFileSync(join(release, 'release-schema.json'), 'utf8')) as { writes: number; minReader: number };
  const bundle = async (n: number) => {
    const out = join(scratch, `hcp-terminal_${versionAt(n)}.hcpupd`);
    await writeBundle({
      releaseDir: release,
      version: versionAt(n),
      seq: seq + n - 1,
      arch: debianArch(),
      minFrom: a,
      schema,
      privateKey: TEST_KEY.privateKey,
      out,
    });
    return out;
  };
  const file = await bundle(1);
  const later = readFileSync(await bundle(2));
  const at = later.lastIndexOf(Buffer.from('process.exit(1)'));
  if (at < 0) throw new Error('the broken bin is not in the bundle');
  later[at + 13] = '0'.charCodeAt(0);
  const tampered = join(scratch, 'tampered.hcpupd');
  writeFileSync(tampered, later);
  return { version: versionAt(1), file, tampered };
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

/**
 * The kiosk window as the desktop user's session starts it: its autostart entry's command, run as that user with a
 * stand-in browser that records the page it is given; that page read as that user and claimed as Chromium would.
 */
async function kioskWindow(t: Started, browsers: string): Promise<BridgeClient> {
  const home = ok('getent', ['passwd', DESKTOP_USER]).split(':')[5] ?? '';
  const exec = /^Exec=(.+)$/m.exec(readFileSync(join(home, '.config/autostart/hcp-terminal-kiosk.desktop'), 'utf8'))?.[1]?.split(' ') ?? [];
  expect(exec).toEqual(['/usr/bin/hcp-terminal', 'kiosk', '--data-dir', DATA]);
  const chromium = recordingBrowser(browsers, `kiosk-${String(Date.now())}`);
  const [cmd = '', ...args] = exec;
  const started = runAs(DESKTOP_USER, cmd, [...args, '--browser', chromium.path]);
  expect(started.code, started.stderr).toBe(0);
  const page = runAs(DESKTOP_USER, 'cat', [appFile(chromium.launched() ?? [])]);
  expect(page.code, page.stderr).toBe(0);
  return BridgeClient.connect(t.ui, { cookie: await claimFrom(page.stdout) });
}

/** Logs the staff member in, then rates once on the kiosk user's screen (API invitation) and once on the simulated keypad. */
async function rateTwice(t: Started, browsers: string): Promise<void> {
  const token = (provisioningFile().localApi as { token: string }).token;
  const api = apiClient(t.api, token);
  const ui = await kioskWindow(t, browsers);
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

// `npm run package:test` is asked for on purpose (.ci/run): a machine where it cannot run fails it, saying why, rather
// than passing with nothing tested (a package a failed run left installed would otherwise turn CI green unseen).
const cannotRun = !isRoot
  ? 'it needs root (it installs and purges the package): run it as root, as .ci/run does'
  : !hasDpkg
    ? 'it needs dpkg (a Debian-family machine)'
    : alreadyThere
      ? `${PKG} is already installed here, and this test leaves a machine as it found it: remove it first (sudo dpkg -P ${PKG}; a purge keeps unsent ratings in ${BACKUPS})`
      : null;

describe.runIf(cannotRun !== null)('the Debian package test', () => {
  it('runs only on a machine where it can install the package', () => {
    expect.fail(`the package test cannot run on this machine: ${String(cannotRun)}`);
  });
});

describe.runIf(cannotRun === null)('the Debian package, as a technician installs it', () => {
  const backupsBefore = existsSync(BACKUPS);
  let deb = process.env['HCP_DEB'] ?? '';
  let sim: ProvinceSim | undefined;
  let terminal: Started | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'hcp-package-test-'));
  // The stand-in browsers record where the desktop user can write.
  const browsers = join(scratch, 'browsers');

  afterAll(async () => {
    await terminal?.stop();
    await sim?.close();
    rmSync(scratch, { recursive: true, force: true });
    // Leave the machine as it was: no package, no user, no data, no backups this test made.
    sh('dpkg', ['-P', PKG], { HCP_TERMINAL_BACKUPS: '/tmp/hcp-terminal-package-test-backups' });
    rmSync('/tmp/hcp-terminal-package-test-backups', { recursive: true, force: true });
    if (!backupsBefore) rmSync(BACKUPS, { recursive: true, force: true });
    if (sh('getent', ['passwd', 'hcp-terminal']).status === 0) sh('deluser', ['--system', 'hcp-terminal']);
    if (sh('getent', ['passwd', DESKTOP_USER]).status === 0) sh('userdel', ['--remove', DESKTOP_USER]);
    if (sh('getent', ['group', 'hcp-kiosk']).status === 0) sh('delgroup', ['--system', 'hcp-kiosk']);
  });

  it('builds, passes lintian, installs, runs, keeps ratings over remove and reinstall, and keeps unsent ones over purge', async () => {
    // 1. Build (HCP_DEB: an already built package).
    if (!deb) {
      const out = ok(process.execPath, [join(ROOT, 'packaging', 'build-deb.mjs')]);
      deb = (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { out: string }).out;
    }
    expect(existsSync(deb)).toBe(true);

    // 2. lintian: no errors (warnings are overridden with reasons, packaging/debian/lintian-overrides). It reads only
    // the .deb and takes about a minute of one core, so it runs beside the rest and is judged at the end.
    const lintian =
      process.env['HCP_PACKAGE_LINTIAN'] !== '0' && sh('lintian', ['--version']).status === 0 ? background('lintian', ['--fail-on', 'error', deb]) : null;

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
      const v = sh('systemd-analyze', ['verify', UNIT, UPDATER, UPDATER_PATH]);
      expect(`${v.stdout}${v.stderr}`.split('\n').filter((l) => l.includes('hcp-terminal'))).toEqual([]);
    }
    // Installs are root's, pointers are the launcher's (docs/updates.md): releases/ is root's alone; the folder around
    // it is the service's group's to add to, sticky; the pointers are the service user's; root's installer is armed.
    const serviceUid = Number(passwd[2]);
    const lib = statSync(LIB);
    expect({ mode: lib.mode & 0o7777, uid: lib.uid, gid: lib.gid }).toEqual({ mode: 0o1775, uid: 0, gid: Number(passwd[3]) });
    const releasesDir = statSync(`${LIB}/releases`);
    expect({ mode: releasesDir.mode & 0o7777, uid: releasesDir.uid }).toEqual({ mode: 0o755, uid: 0 });
    expect(ownerOf(`${LIB}/current`)).toBe(serviceUid);
    expect(readFileSync(UNIT, 'utf8')).toMatch(/^ReadWritePaths=\/var\/lib\/hcp-terminal -\/var\/lib\/hcp-terminal-kiosk \/usr\/lib\/hcp-terminal$/m);
    expect(readFileSync(UPDATER_PATH, 'utf8')).toMatch(/^DirectoryNotEmpty=\/var\/lib\/hcp-terminal\/updates\/install$/m);
    expect(existsSync('/etc/systemd/system/multi-user.target.wants/hcp-terminal-update.path')).toBe(true);

    // 4b. The kiosk pass's folder: the service's, for the group hcp-kiosk only (setgid); the unit may write it. The desktop user at the kiosk is set up as docs/packaging.md says ("The kiosk window").
    const kioskGid = Number(ok('getent', ['group', 'hcp-kiosk']).split(':')[2]);
    const kioskDir = statSync(KIOSK);
    expect({ mode: kioskDir.mode & 0o7777, uid: kioskDir.uid, gid: kioskDir.gid }).toEqual({ mode: 0o2750, uid: serviceUid, gid: kioskGid });
    ok('chmod', ['0755', scratch]);
    ok('mkdir', ['-m', '0777', browsers]);
    ok('useradd', ['--create-home', '--home-dir', join(scratch, 'home'), '--shell', '/bin/sh', DESKTOP_USER]);
    ok('/usr/bin/hcp-terminal', [
      'install-service',
      '--data-dir',
      DATA,
      '--user',
      'hcp-terminal',
      '--kiosk-user',
      DESKTOP_USER,
      '--unit-dir',
      join(scratch, 'ignore'),
    ]);
    expect(ok('id', ['-nG', DESKTOP_USER]).split(/\s+/)).toContain('hcp-kiosk');

    // 5–6. Provision through /etc (a simulated keypad, the simulator as province), start ExecStart as the service
    // user, rate on the screen and on the keypad; both reach the province.
    sim = await startSim({ port: SIM_PORT });
    const file = {
      ...provisioningFile({ baseUrl: sim.url, port: API_PORT, devices: { keypad: { type: 'simulated' }, badge: { type: 'keyboard' } } }),
      // The repository's TEST key pair, for this test's bundles: a real terminal never trusts it.
      updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 },
    };
    writeFileSync(`${ETC}/provisioning.json`, JSON.stringify(file, null, 2), { mode: 0o640 });
    ok('chown', ['root:hcp-terminal', `${ETC}/provisioning.json`]);
    terminal = await startAsService();
    // A user outside the group (nobody) gets no pass: its launcher says why and opens nothing; what it could open
    // (the terminal's address) cannot rate.
    const stranger = recordingBrowser(browsers, 'stranger');
    const strangerKiosk = runAs('nobody', '/usr/bin/hcp-terminal', ['kiosk', '--data-dir', DATA, '--browser', stranger.path]);
    expect(strangerKiosk.code).toBe(1);
    expect(strangerKiosk.stderr).toContain(`nobody may not read the kiosk pass in ${KIOSK}: it is for the members of hcp-kiosk`);
    expect(stranger.launched()).toBeNull();
    await rateTwice(terminal, browsers);
    await until(
      () => accepted(sim as ProvinceSim).length,
      (n) => n >= 2,
      60_000,
      'two ratings accepted by the province',
    );
    // The province goes down: two more ratings wait in the outbox.
    sim.setFaults(DOWN);
    await rateTwice(terminal, browsers);
    await terminal.stop();
    terminal = undefined;
    expect(queue()).toMatchObject({ pending: 2, lastSeq: 4 });
    // The launcher could record the last known good release itself (the unit may write its pointers now).
    expect(readlinkSync(`${LIB}/good`)).toBe(`releases/${version}`);
    expect(ownerOf(`${LIB}/good`)).toBe(serviceUid);

    // 6b. A signed update, installed by root: B is newer and cannot start. `update --file` switches to it on trial and
    // hands every pointer it writes to the service user; started as the service starts, the launcher tries B 3 times,
    // goes back to A by itself, and A serves the ratings made before, which reach the province with gapless seq.
    const b = await brokenUpdateOf(version, scratch);
    const installed = sh('/usr/bin/hcp-terminal', ['update', '--file', b.file]);
    expect(installed.status, installed.stderr).toBe(0);
    expect(readlinkSync(`${LIB}/current`)).toBe(`releases/${b.version}`);
    for (const p of ['current', 'good', 'trial.json']) expect(ownerOf(`${LIB}/${p}`), p).toBe(serviceUid);
    expect(statSync(`${LIB}/releases/${b.version}`).uid).toBe(0);
    expect(rootOwnedInData()).toBe('');
    terminal = await startAsService();
    expect(readlinkSync(`${LIB}/current`)).toBe(`releases/${version}`);
    const rel = releasesNow() as {
      current: string;
      history: { kind: string; version: string }[];
      releases: { version: string; failedTrial: boolean }[];
    };
    expect(rel).toMatchObject({ current: version, lastKnownGood: version, rolledBackFrom: b.version, trial: { onTrial: false } });
    expect(rel.history.filter((h) => h.kind === 'start' && h.version === b.version)).toHaveLength(3);
    expect(rel.releases.find((r) => r.version === b.version)?.failedTrial).toBe(true);
    sim.setFaults(NO_FAULTS);
    await until(
      () => accepted(sim as ProvinceSim).map((r) => r.seq),
      (seqs) => seqs.length === 4,
      60_000,
      'the ratings made before the update uploaded',
    );
    expect(accepted(sim).map((r) => r.seq)).toEqual([1, 2, 3, 4]);

    // 6c. A tampered bundle is refused (exit 4), by `update --file` and by root's installer from the spool the
    // terminal hands bundles to; nothing changes, the spool is emptied, and root leaves no file in the data directory.
    const untouched = releaseState();
    const tampered = sh('/usr/bin/hcp-terminal', ['update', '--file', b.tampered]);
    expect(tampered.status, tampered.stderr).toBe(4);
    expect(tampered.stderr).toMatch(/update refused \(tampered\)/);
    expect(releaseState()).toEqual(untouched);
    ok('runuser', ['-u', 'hcp-terminal', '--', 'mkdir', '-p', SPOOL]);
    copyFileSync(b.tampered, `${SPOOL}/1-handed-over.hcpupd`);
    chownSync(`${SPOOL}/1-handed-over.hcpupd`, serviceUid, Number(passwd[3]));
    const [cmd = '', ...args] = execStart([], UPDATER);
    const spooled = sh(cmd, args);
    expect(spooled.status, spooled.stderr).toBe(4);
    expect(readdirSync(SPOOL)).toEqual([]);
    expect(releaseState()).toEqual(untouched);
    expect(releasesNow()).toMatchObject({
      lastAttempt: { ok: false, reason: 'tampered', file: `${SPOOL}/1-handed-over.hcpupd` },
    });
    expect(rootOwnedInData()).toBe('');

    // Two more ratings wait with the province down, for the remove and reinstall below.
    sim.setFaults(DOWN);
    await rateTwice(terminal, browsers);
    await terminal.stop();
    terminal = undefined;
    expect(queue()).toMatchObject({ pending: 2, lastSeq: 6 });

    // 7. dpkg -r: the program goes (with the release the bundle installed, and the pointers), the data and settings stay.
    ok('dpkg', ['-r', PKG]);
    expect(existsSync('/usr/bin/hcp-terminal')).toBe(false);
    expect(existsSync('/usr/lib/hcp-terminal')).toBe(false);
    expect(existsSync(`${DATA}/hcp-terminal.db`)).toBe(true);
    expect(existsSync(`${ETC}/hcp-terminal.env`)).toBe(true);

    // 8. Install again: the two unsent ratings are still there, and upload.
    ok('apt-get', ['install', '-y', '-q', '--no-install-recommends', deb]);
    expect(queue()).toMatchObject({ pending: 2, lastSeq: 6 });
    sim.setFaults(NO_FAULTS);
    terminal = await startAsService();
    await until(
      () => accepted(sim as ProvinceSim).map((r) => r.seq),
      (seqs) => seqs.includes(5) && seqs.includes(6),
      60_000,
      'the kept ratings uploaded',
    );
    sim.setFaults(DOWN);
    await rateTwice(terminal, browsers);
    await terminal.stop();
    terminal = undefined;
    expect(queue()).toMatchObject({ pending: 2, lastSeq: 8 });

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
    expect(bundle.records.map((r) => r.seq).sort()).toEqual([7, 8]);
    expect(existsSync(DATA)).toBe(false);
    expect(existsSync(KIOSK)).toBe(false);
    expect(sh('getent', ['group', 'hcp-kiosk']).status).not.toBe(0);
    expect(existsSync(ETC)).toBe(false);
    expect(sh('getent', ['passwd', 'hcp-terminal']).status).not.toBe(0);

    // 2, judged: lintian found no error in the package.
    if (lintian) {
      const lint = await lintian;
      // As root lintian only warns that it runs as root; that is no finding about the package.
      expect(lint.status, lint.out).toBe(0);
    }
  });
});
