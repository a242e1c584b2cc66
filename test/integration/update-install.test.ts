import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { sm2 } from 'sm-crypto-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm2SignHex, sm3Hex } from '../../sync/crypto/gm.js';
import { tempDir, provisioningFile } from '../helpers/fixtures.js';
import { BIN, runCommand } from '../helpers/process.js';

/** A loaded two-core machine starts Node slowly: a command gets a minute and a half. */
const SLOW = 90_000;
import { installBundle, type InstallOptions } from '../../main/update/install.js';
import { UpdateRefused } from '../../main/update/bundle-read.js';
import { layoutOf, switchLink } from '../../main/update/layout.js';
import { releasesReport } from '../../main/update/status.js';
import { readDatabaseSchema } from '../../main/store/schema-info.js';
import { migrations, MIN_READER } from '../../main/store/migrations/index.js';
import { buildRelease, bundleOf, installFirstRelease, TEST_KEY, type TestRelease } from '../helpers/releases.js';

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
    // One migration past this build's, read by nothing below it: the running release could not read it.
    const next = migrations.length + 1;
    await refused(await resigned('minreader', (m) => (m['schema'] = { writes: next, minReader: next })), 'schema', /a rollback could not read/);
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

describe('issue 24: nothing a rollback needs is stranded by an install', { timeout: 180_000 }, () => {
  const W = migrations.length;
  const trusted = { trustedKeys: [TEST_KEY.publicKey] };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e,
    );

  it('a release installed while another is on trial is judged against the last known good one too', async () => {
    const r2 = join(root.path, 'on-trial');
    const rel = installFirstRelease(r2, A);
    const l = layoutOf(rel);
    // B (one more migration) installs on trial, and runs: the database is at its schema now, still read by A.
    await installBundle({ file: (await bundleOf(r2, B)).file, releasesDir: rel, database: readDatabaseSchema(data), ...trusted });
    const migrated = { version: W + 1, minReader: MIN_READER };
    // C reads nothing below B's schema: once C has run, A, where a failed trial goes back to, could not read it.
    const C = { version: '1.2.0', seq: 3 };
    const c = await bundleOf(r2, C, { schema: { writes: W + 2, minReader: W + 1 } });
    const err = await refusal(installBundle({ file: c.file, releasesDir: rel, database: migrated, ...trusted }));
    expect(err).toBeInstanceOf(UpdateRefused);
    expect((err as UpdateRefused).reason).toBe('schema');
    expect((err as UpdateRefused).message).toMatch(/release 1\.0\.0, which a rollback could go back to, is at \d+: a rollback could not read/);
    expect(readlinkSync(l.current)).toBe(join('releases', B.version));
    expect(readlinkSync(l.good)).toBe(join('releases', A.version));
    // One that A still reads installs over the release on trial (the choice in docs/updates.md), with A to go back to.
    const c2 = await bundleOf(r2, { version: '1.2.1', seq: 4 }, { schema: { writes: W + 2, minReader: MIN_READER } });
    await installBundle({ file: c2.file, releasesDir: rel, database: migrated, ...trusted });
    expect(readlinkSync(l.current)).toBe(join('releases', '1.2.1'));
    expect(readlinkSync(l.good)).toBe(join('releases', A.version));
  });

  it('a signed bundle older than a release dpkg installed is refused, even with the pointers moved back and trial.json gone', async () => {
    const r3 = join(root.path, 'dpkg');
    const rel = installFirstRelease(r3, A);
    const l = layoutOf(rel);
    // dpkg upgrades to 2.0.0 (seq 5): its own release folder, no bundle manifest, and its own `current`.
    buildRelease(join(rel, '2.0.0'), { version: '2.0.0', seq: 5 });
    switchLink(l.current, l, '2.0.0');
    // The service user owns the pointers and trial.json: it points both back at A and forgets the trial state.
    switchLink(l.current, l, A.version);
    switchLink(l.good, l, A.version);
    rmSync(l.trialFile, { force: true });
    const old = await bundleOf(r3, { version: '1.5.0', seq: 3 });
    const err = await refusal(installBundle({ file: old.file, releasesDir: rel, database: readDatabaseSchema(data), ...trusted }));
    expect(err).toBeInstanceOf(UpdateRefused);
    expect((err as UpdateRefused).reason).toBe('seq');
    expect((err as UpdateRefused).message).toMatch(/seq 3 is not above 5 \(release 2\.0\.0\)/);
    expect(readlinkSync(l.current)).toBe(join('releases', A.version));
    expect(existsSync(join(rel, '1.5.0'))).toBe(false);
  });

  it('an entry longer than its signed size is refused as tampered at once: no byte past that size is written', async () => {
    const nine = Buffer.from('{"a":"b"}');
    const m = JSON.parse(manifestOf(good.bytes)) as Record<string, unknown>;
    m['files'] = [{ path: 'package.json', size: nine.length, sm3: sm3Hex(new Uint8Array(nine)) }];
    const bytes = Buffer.from(JSON.stringify(m));
    const huge = Buffer.alloc(40 * 1024 * 1024, 0x20);
    const f = await tarOf('oversized', [
      ['manifest.json', bytes],
      ['manifest.sig', sm2SignHex(new Uint8Array(bytes), TEST_KEY.privateKey)],
      ['package.json', huge],
    ]);
    // What this process writes while installing: the 40 MiB entry, were it staged, would show here (a disk the
    // database shares would fill up).
    const before = writtenBytes();
    const err = await refusal(installBundle({ file: f, releasesDir, database: readDatabaseSchema(data), ...trusted }));
    expect(writtenBytes() - before).toBeLessThan(4 * 1024 * 1024);
    expect(err).toBeInstanceOf(UpdateRefused);
    expect((err as UpdateRefused).reason).toBe('tampered');
    expect((err as UpdateRefused).message).toMatch(/"package\.json" is 41943040 bytes in the bundle, the signed manifest says 9/);
    expectUntouched();
    expect(readdirSync(releasesDir).filter((n) => n.startsWith('.staging-'))).toEqual([]);
  });

  it('under a restrictive umask (027) every folder and file installed is readable by the service user', () => {
    const r5 = join(root.path, 'umask');
    const rel = installFirstRelease(r5, A);
    const r = spawnSync(
      '/bin/sh',
      ['-c', 'umask 027 && exec "$@"', 'sh', process.execPath, BIN, 'update', '--file', good.file, '--data-dir', data, '--releases-dir', rel],
      {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: SLOW,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const installed = join(rel, B.version);
    const bad: string[] = [];
    const walk = (p: string) => {
      const st = lstatSync(p);
      if (st.isDirectory()) {
        if ((st.mode & 0o777) !== 0o755) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
        for (const n of readdirSync(p)) walk(join(p, n));
      } else if ((st.mode & 0o777) !== 0o644 && (st.mode & 0o777) !== 0o755) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
    };
    walk(installed);
    expect(bad).toEqual([]);
    expect(lstatSync(join(installed, 'bin', 'hcp-terminal.js')).mode & 0o777).toBe(0o755);
    // Root runs the tests: read the release as another uid, as the service user would.
    if (process.geteuid?.() === 0) {
      chmodSync(root.path, 0o755);
      const read = spawnSync(
        process.execPath,
        [
          '-e',
          `const fs=require('fs'),p=require('path');const w=(d)=>{for(const n of fs.readdirSync(d)){const f=p.join(d,n);fs.statSync(f).isDirectory()?w(f):fs.readFileSync(f)}};w(${JSON.stringify(installed)})`,
        ],
        { uid: 65534, gid: 65534, encoding: 'utf8' },
      );
      expect(read.status, read.stderr).toBe(0);
    }
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

/** Bytes this process has written (to files, pipes and sockets alike) since it started. */
function writtenBytes(): number {
  const m = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return Number(m?.[1] ?? NaN);
}
