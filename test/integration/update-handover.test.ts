import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { sm2 } from 'sm-crypto-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canInstallHere, installHereOrHandOver, type InstallRoute } from '../../main/update/handover.js';
import { layoutOf, spoolDirOf } from '../../main/update/layout.js';
import { readTrialState } from '../../main/update/trial-state.js';
import { provisioningFile, tempDir } from '../helpers/fixtures.js';
import { BIN, runCommand } from '../helpers/process.js';
import { bundleOf, installFirstRelease, TEST_KEY, type TestRelease } from '../helpers/releases.js';
import { until } from '../helpers/sync-rig.js';

/** A loaded two-core machine starts Node slowly: a command gets a minute and a half. */
const SLOW = 90_000;
const root = tempDir('hcp-handover-');
const keys = tempDir('hcp-keys-');
const data = join(root.path, 'data');
const spool = spoolDirOf(data);
const A: TestRelease = { version: '1.0.0', seq: 1 };
const B: TestRelease = { version: '1.1.0', seq: 2 };
const env = { HCP_KEY_DIR: keys.path, HCP_TEST_HOOKS: '1' };
let releasesDir = '';
let bFile = '';
let tampered = '';

beforeAll(async () => {
  releasesDir = installFirstRelease(root.path, A);
  const file = join(root.path, 'provision.json');
  writeFileSync(file, JSON.stringify({ ...provisioningFile(), updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 } }));
  const p = runCommand(['provision', '--data-dir', data, '--file', file], env, SLOW);
  expect(p.code, p.stderr).toBe(0);
  bFile = (await bundleOf(root.path, B)).file;
  // One byte of a release file changed after signing (the package.json's version digit, inside the tar's body).
  const bytes = readFileSync(bFile);
  const at = bytes.lastIndexOf(Buffer.from(`"version": "${B.version}"`));
  expect(at).toBeGreaterThan(0);
  bytes[at + 12] = '7'.charCodeAt(0);
  tampered = join(root.path, 'tampered.hcpupd');
  writeFileSync(tampered, bytes);
}, 180_000);
afterAll(() => [root, keys].forEach((d) => d.cleanup()));

/** Root's installer, as hcp-terminal-update.service runs it (here as this test's user, with the folder made writable). */
function rootInstaller(extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, 'update', '--spool', spool, '--data-dir', data, '--releases-dir', releasesDir], {
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('close', (code) => resolve({ code, stderr: err }));
  });
}

const current = () => readlinkSync(join(root.path, 'current'));
const spoolEntries = () => (existsSync(spool) ? readdirSync(spool) : []);
const leftovers = () => readdirSync(releasesDir).filter((n) => n.startsWith('.incoming-') || n.startsWith('.staging-'));

describe('the terminal hands a bundle to root’s installer where it may not add a release itself (the package)', () => {
  const route = (): InstallRoute => ({
    releasesDir,
    dataDir: data,
    trustedKeys: [TEST_KEY.publicKey],
    database: () => null,
    log: pino({ level: 'silent' }),
    waitMs: 120_000,
    pollMs: 100,
    // As the package's service user, who cannot write root's releases/ (this test may run as root, who always can).
    mayInstallHere: () => false,
  });

  it('decides by whether it may write the releases folder', () => {
    expect(canInstallHere(releasesDir)).toBe(true);
    if (process.getuid?.() !== 0) {
      chmodSync(releasesDir, 0o555);
      try {
        expect(canInstallHere(releasesDir)).toBe(false);
      } finally {
        chmodSync(releasesDir, 0o755);
      }
    }
  });

  it('a tampered bundle comes back refused, and a good one installed: the answer travels back through trial.json', async () => {
    const answer = installHereOrHandOver(tampered, 'copy', route());
    // Only whole files ever appear in the spool (one rename), so root's path unit never starts on half of one.
    await until(spoolEntries, (e) => e.length === 1, 30_000, 'the bundle in the spool');
    expect(spoolEntries()[0]).toMatch(/^\d+-[0-9a-f]{12}\.hcpupd$/);
    expect(existsSync(tampered)).toBe(true);
    const refused = await rootInstaller();
    expect(refused.code, refused.stderr).toBe(4);
    expect(await answer).toMatchObject({ kind: 'refused', reason: 'tampered' });
    expect(current()).toBe(join('releases', A.version));
    expect(spoolEntries()).toEqual([]);
    expect(leftovers()).toEqual([]);

    const good = installHereOrHandOver(bFile, 'copy', route());
    await until(spoolEntries, (e) => e.length === 1, 30_000, 'the bundle in the spool');
    const installed = await rootInstaller();
    expect(installed.code, installed.stderr).toBe(0);
    expect(await good).toMatchObject({ kind: 'installed', version: B.version, handedOver: true });
    expect(current()).toBe(join('releases', B.version));
    expect(readTrialState(layoutOf(releasesDir))).toMatchObject({ trialOf: B.version, highestSeq: B.seq });
    expect(spoolEntries()).toEqual([]);
    expect(leftovers()).toEqual([]);
  }, 240_000);

  it('root takes nothing from the spool but plain files under its size cap: links, fifos and folders are deleted unread', async () => {
    mkdirSync(spool, { recursive: true });
    // A link to a file root could read but the terminal could not (here: a real bundle, which must not install).
    const target = join(root.path, 'target.hcpupd');
    copyFileSync(bFile, target);
    symlinkSync(target, join(spool, '1-link.hcpupd'));
    expect(spawnSync('mkfifo', [join(spool, '2-fifo.hcpupd')]).status).toBe(0);
    mkdirSync(join(spool, '3-folder.hcpupd', 'inside'), { recursive: true });
    writeFileSync(join(spool, '4-big.hcpupd'), Buffer.alloc(4096, 1));
    const before = current();
    const r = await rootInstaller({ HCP_TEST_SPOOL_MAX_BYTES: '2048' });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr.match(/update refused \(not-a-bundle\)/g)).toHaveLength(4);
    expect(r.stderr).toMatch(/not a plain file/);
    expect(r.stderr).toMatch(/4096 bytes: a bundle is 1 to 2048 bytes/);
    expect(current()).toBe(before);
    expect(spoolEntries()).toEqual([]);
    expect(leftovers()).toEqual([]);
    // The link was removed, never followed: its target is untouched.
    expect(statSync(target).size).toBe(statSync(bFile).size);
  }, 120_000);

  it('an empty spool is nothing to do', async () => {
    const r = await rootInstaller();
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);
});

describe('root’s own list of update keys (/etc/hcp-terminal/update-keys) narrows whom root’s installs trust', () => {
  const C: TestRelease = { version: '1.2.0', seq: 3 };
  const pin = () => join(root.path, 'update-keys');
  const update = (file: string) =>
    runCommand(['update', '--file', file, '--data-dir', data, '--releases-dir', releasesDir], { ...env, HCP_TEST_UPDATE_KEYS_FILE: pin() }, SLOW);

  it('refuses a key the database trusts but root’s list does not, and a list others may write; installs one in both', async () => {
    const c = (await bundleOf(root.path, C)).file;
    const before = current();
    // The service user could have provisioned this key itself: root's list does not have it.
    writeFileSync(pin(), `# vendor keys root trusts\n${sm2.generateKeyPairHex().publicKey}\n`);
    chmodSync(pin(), 0o644);
    let r = update(c);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/\(untrusted-key\): none of the 1 keys in updates.publicKeys is in root's list/);
    writeFileSync(pin(), `# vendor keys root trusts\n${TEST_KEY.publicKey}\n`);
    chmodSync(pin(), 0o666);
    r = update(c);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/unusable.*may be written by others/);
    expect(current()).toBe(before);
    chmodSync(pin(), 0o644);
    r = update(c);
    expect(r.code, r.stderr).toBe(0);
    expect(current()).toBe(join('releases', C.version));
  }, 180_000);
});
