import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { sm2 } from 'sm-crypto-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm2SignHex } from '../../sync/crypto/gm.js';
import { tempDir, provisioningFile } from '../helpers/fixtures.js';
import { BIN, runCommand } from '../helpers/process.js';

/** A loaded two-core machine starts Node slowly: a command gets a minute and a half. */
const SLOW = 90_000;
import { installBundle, type InstallOptions } from '../../main/update/install.js';
import { UpdateRefused } from '../../main/update/bundle-read.js';
import { layoutOf, switchLink } from '../../main/update/layout.js';
import { releasesReport } from '../../main/update/status.js';
import { readDatabaseSchema } from '../../main/store/schema-info.js';
import { bundleOf, installFirstRelease, TEST_KEY, type TestRelease } from '../helpers/releases.js';

const root = tempDir('hcp-upd-');
const keys = tempDir('hcp-keys-');
const data = join(root.path, 'data');
let releasesDir = '';
const A: TestRelease = { version: '1.0.0', seq: 1 };
const B: TestRelease = { version: '1.1.0', seq: 2, extraMigration: true };
let good = { file: '', bytes: Buffer.alloc(0) };
const env = { HCP_KEY_DIR: keys.path, HCP_TEST_HOOKS: '1' };

beforeAll(async () => {
  releasesDir = installFirstRelease(root.path, A);
  const file = join(root.path, 'provision.json');
  writeFileSync(file, JSON.stringify({ ...provisioningFile(), updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 } }));
  const p = runCommand(['provision', '--data-dir', data, '--file', file], env, SLOW);
  expect(p.code, p.stderr).toBe(0);
  const b = await bundleOf(root.path, B);
  good = { file: b.file, bytes: readFileSync(b.file) };
}, 180_000);
afterAll(() => [root, keys].forEach((d) => d.cleanup()));

function update(file: string, extraEnv: Record<string, string> = {}) {
  return runCommand(['update', '--file', file, '--data-dir', data, '--releases-dir', releasesDir], { ...env, ...extraEnv }, SLOW);
}
function releases(): {
  current: string;
  lastKnownGood: string;
  trial: { onTrial: boolean; starts: number };
  releases: { version: string }[];
  lastAttempt: { reason?: string } | null;
} {
  const r = runCommand(['releases', '--data-dir', data, '--releases-dir', releasesDir], env, SLOW);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ReturnType<typeof releases>;
}
const current = () => readlinkSync(join(root.path, 'current'));

/** A bundle file written by hand: `entries` in order, each a name and its bytes (a tar built with node-tar from a scratch folder). */
async function tarOf(name: string, entries: [string, Buffer | string][]): Promise<string> {
  const dir = join(root.path, `scratch-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [p, b] of entries) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), b);
  }
  const out = join(root.path, `${name}.hcpupd`);
  await create(
    { file: out, cwd: dir, portable: true },
    entries.map(([p]) => p),
  );
  return out;
}

/** The CLI's answer to a refused file: exit 4 and the reason on stderr. */
function expectRefused(r: { code: number | null; stderr: string }, reason: string, words: RegExp): void {
  expect(r.code, r.stderr).toBe(4);
  expect(r.stderr).toContain(`(${reason})`);
  expect(r.stderr).toMatch(words);
  expectUntouched();
}
function expectUntouched(): void {
  expect(current()).toBe(join('releases', A.version));
  expect(existsSync(join(releasesDir, B.version))).toBe(false);
}
/** The same install in this process (the CLI is a thin shell over it; a process per case would cost seconds each here). */
async function refused(file: string, reason: string, words: RegExp, o: Partial<InstallOptions> = {}): Promise<void> {
  const err: unknown = await installBundle({ file, releasesDir, database: readDatabaseSchema(data), trustedKeys: [TEST_KEY.publicKey], ...o }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpdateRefused);
  expect((err as UpdateRefused).reason).toBe(reason);
  expect((err as UpdateRefused).message).toMatch(words);
  expectUntouched();
}

/** The good bundle's manifest, re-signed after `edit` with `key`: a vendor's signed but unacceptable file. */
async function resigned(name: string, edit: (m: Record<string, unknown>) => void, key = TEST_KEY.privateKey): Promise<string> {
  const m = JSON.parse(manifestOf(good.bytes)) as Record<string, unknown>;
  edit(m);
  const bytes = Buffer.from(JSON.stringify(m));
  return tarOf(name, [
    ['manifest.json', bytes],
    ['manifest.sig', sm2SignHex(new Uint8Array(bytes), key)],
  ]);
}
function manifestOf(tar: Buffer): string {
  // The manifest is the first entry: its body starts after one 512-byte header, its size is in the header (octal).
  const size = parseInt(tar.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  return tar.subarray(512, 512 + size).toString('utf8');
}

describe('hcp-terminal update refuses, with its own message, and changes nothing', { timeout: 120_000 }, () => {
  it('a file that is not a bundle', () => {
    const f = join(root.path, 'junk.hcpupd');
    writeFileSync(f, 'this is a spreadsheet, not an update\n'.repeat(50));
    expectRefused(update(f), 'not-a-bundle', /not an update bundle/);
  });
  it('an unsigned bundle', async () => {
    await refused(await tarOf('unsigned', [['manifest.json', manifestOf(good.bytes)]]), 'unsigned', /unsigned/);
  });
  it('a manifest.sig that is not a signature', async () => {
    await refused(
      await tarOf('badsig', [
        ['manifest.json', manifestOf(good.bytes)],
        ['manifest.sig', 'not-hex at all'],
      ]),
      'bad-signature',
      /not a signature/,
    );
  });
  it('a manifest altered after signing', async () => {
    const m = manifestOf(good.bytes);
    const at = 512 + Math.ceil(Buffer.byteLength(m) / 512) * 512 + 512;
    const sig = good.bytes
      .subarray(at, at + 512)
      .toString('latin1')
      .replace(/\0.*$/s, '')
      .trim();
    expect(sig).toMatch(/^[0-9a-f]+$/);
    const altered = m.replace('"seq": 2', '"seq": 9');
    await refused(
      await tarOf('altered', [
        ['manifest.json', altered],
        ['manifest.sig', sig],
      ]),
      'untrusted-key',
      /verifies under none/,
    );
  });
  it('a bundle signed by a key the terminal does not trust', async () => {
    const other = sm2.generateKeyPairHex();
    expectRefused(update(await resigned('otherkey', () => undefined, other.privateKey)), 'untrusted-key', /does not trust/);
  });
  it('a bundle for another architecture', async () => {
    await refused(await resigned('arch', (m) => (m['arch'] = process.arch === 'arm64' ? 'amd64' : 'arm64')), 'arch', /is for/);
  });
  it('a seq not above the installed releases (a replay, or a signed downgrade)', async () => {
    await refused(await resigned('seq', (m) => (m['seq'] = 1)), 'seq', /not above 1/);
  });
  it('a minFrom above the installed version', async () => {
    await refused(await resigned('minfrom', (m) => (m['minFrom'] = '1.0.5')), 'min-from', /updates 1\.0\.5 or later; this terminal runs 1\.0\.0/);
  });
  it('a bundle whose minReader the current database is below (a rollback could not read it)', async () => {
    await refused(await resigned('minreader', (m) => (m['schema'] = { writes: 10, minReader: 10 })), 'schema', /a rollback could not read/);
  });
  it('a release whose schema is below the database’s minReader', async () => {
    await refused(await resigned('old-schema', (m) => (m['schema'] = { writes: 3, minReader: 3 })), 'schema', /below the database's minReader 9/);
  });
  it('a disk too full to stage it', () => {
    expectRefused(update(good.file, { HCP_TEST_FREE_BYTES: String(10 * 1024 * 1024) }), 'disk-full', /not enough free space/);
    expect(releases().lastAttempt?.reason).toBe('disk-full');
  });
  it('a tampered file', () => {
    const bytes = Buffer.from(good.bytes);
    const at = bytes.indexOf('"hcpRelease"');
    expect(at).toBeGreaterThan(0);
    bytes.write('"hcpRelea5e"', at, 'latin1');
    const f = join(root.path, 'tampered.hcpupd');
    writeFileSync(f, bytes);
    expectRefused(update(f), 'tampered', /package\.json" does not match its SM3/);
  });
  it('a truncated file', async () => {
    const f = join(root.path, 'truncated.hcpupd');
    writeFileSync(f, good.bytes.subarray(0, Math.floor(good.bytes.length * 0.6)));
    await refused(f, 'truncated', /cut short|ends without/);
  });
  it('an entry outside the release: a symlink, an absolute path, a ".."', async () => {
    const target = join(root.path, 'outside-target');
    const link = join(root.path, 'scratch-link');
    mkdirSync(link, { recursive: true });
    rmSync(join(link, 'evil'), { force: true });
    symlinkSync('/etc/passwd', join(link, 'evil'));
    const m = { ...(JSON.parse(manifestOf(good.bytes)) as Record<string, unknown>), files: [{ path: 'evil', size: 0, sm3: '0'.repeat(64) }] };
    const bytes = Buffer.from(JSON.stringify(m));
    writeFileSync(join(link, 'manifest.json'), bytes);
    writeFileSync(join(link, 'manifest.sig'), sm2SignHex(new Uint8Array(bytes), TEST_KEY.privateKey));
    const f = join(root.path, 'link.hcpupd');
    await create({ file: f, cwd: link, portable: true }, ['manifest.json', 'manifest.sig', 'evil']);
    await refused(f, 'unsafe-entry', /SymbolicLink entry "evil"/);
    // GNU tar keeps "../" and "/" names with -P: the archives an attacker would make by hand.
    writeFileSync(target, 'x');
    for (const [name, path] of [
      ['dotdot', '../outside-target'],
      ['absolute', target],
    ] as const) {
      const f2 = join(root.path, `${name}.hcpupd`);
      const r = spawnSync('tar', ['-cPf', f2, '-C', link, 'manifest.json', 'manifest.sig', path], { cwd: join(root.path, 'scratch-link') });
      expect(r.status, r.stderr.toString()).toBe(0);
      await refused(f2, 'unsafe-entry', /outside the release/);
    }
    expect(readFileSync(target, 'utf8')).toBe('x');
  });
  it('every bundle while no key is trusted', () => {
    const r = runCommand(['update', '--file', good.file, '--releases-dir', releasesDir, '--data-dir', join(root.path, 'empty-data')], env, SLOW);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no update key is trusted/);
    expect(current()).toBe(join('releases', A.version));
  });
});

describe('a power cut (kill -9) at each step of an install', { timeout: 120_000 }, () => {
  const steps = ['verified', 'checked', 'space', 'copying', 'copied', 'placed', 'state', 'switched'] as const;
  const report = () => releasesReport(releasesDir, { database: readDatabaseSchema(data), trialMinutes: 10 });
  it.each(steps)('at "%s" leaves the old release, or the new one on trial: never neither', async (step) => {
    // Start every step from A alone, as before the first step: the previous step's B and its trial forgotten.
    const l = layoutOf(releasesDir);
    switchLink(l.current, l, A.version);
    rmSync(join(releasesDir, B.version), { recursive: true, force: true });
    rmSync(l.trialFile, { force: true });
    // The installer's own record of the highest seq switched to (beside trial.json's copy) is forgotten too.
    rmSync(join(releasesDir, '.installed-seq'), { force: true });
    const r = spawnSync(process.execPath, [BIN, 'update', '--file', good.file, '--data-dir', data, '--releases-dir', releasesDir], {
      env: { ...process.env, ...env, HCP_TEST_KILL_AT: step },
      timeout: SLOW,
    });
    expect(r.signal).toBe('SIGKILL');
    const s = report();
    const runs = join(releasesDir, s.current ?? 'none', 'bin', 'hcp-terminal.js');
    expect(existsSync(runs), `current ${s.current} is a whole release`).toBe(true);
    if (s.current === A.version) {
      expect(s.trial.onTrial).toBe(false);
    } else {
      expect(s.current).toBe(B.version);
      expect(s.trial.onTrial).toBe(true);
      expect(s.lastKnownGood).toBe(A.version);
    }
    expect(['verified', 'checked', 'space', 'copying', 'copied', 'placed', 'state'].includes(step)).toBe(s.current === A.version);
    // And the same bundle installs afterwards when the cut came before the switch.
    if (s.current === A.version) {
      await installBundle({ file: good.file, releasesDir, database: readDatabaseSchema(data), trustedKeys: [TEST_KEY.publicKey] });
      expect(report()).toMatchObject({ current: B.version, lastKnownGood: A.version, trial: { onTrial: true } });
    }
  });
});
