import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { bundleOf, chainedRecords } from '../helpers/bundles.js';
import { newRecord, scratchDirs, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { BIN, runCommand } from '../helpers/process.js';

/**
 * The package's prerm and postrm, run as dpkg runs them on a removal and a purge, on a real data directory, with the
 * system's paths moved into a scratch folder and the system's tools (runuser, getent, deb-systemd-*, deluser, udevadm)
 * stubbed: what is checked is the scripts' own logic (which records a purge keeps, when it refuses). The package test
 * (test/package, as root) runs them for real through dpkg.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const REAL = { bin: '/usr/bin/hcp-terminal', data: '/var/lib/hcp-terminal', etc: '/etc/hcp-terminal', lib: '/usr/lib/hcp-terminal' };
const TERMINAL = 'T-350402-0001';
const PACKAGE_SEQ = 7;
const keys = tempDir('hcp-keys-');
const scratch = scratchDirs();
afterAll(() => keys.cleanup());

interface Sandbox {
  data: string;
  etc: string;
  lib: string;
  backups: string;
  run: (script: 'postinst' | 'prerm' | 'postrm', arg: string, env?: Record<string, string>) => { code: number | null; out: string; err: string };
}

function stub(bin: string, name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** `serviceUid`: runuser becomes that uid for real (the test runs as root), else the service user is this test's user. */
function sandbox(serviceUid?: number): Sandbox {
  const dir = scratch();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // Names that share nothing with the real paths, so that the check below can tell every one was moved.
  const paths = { data: join(dir, 'data'), etc: join(dir, 'settings'), lib: join(dir, 'program') };
  // systemd, udev and the user database are not touched.
  const become = serviceUid === undefined ? '' : `setpriv --reuid=${String(serviceUid)} --regid=${String(serviceUid)} --clear-groups `;
  stub(bin, 'runuser', `[ "$1" = -u ] && [ "$3" = -- ] || exit 99\nshift 3\nexec ${become}"$@"`);
  stub(bin, 'getent', 'exit 0');
  // chown and adduser too: the service user does not exist here (postinst's modes and the files it writes are checked).
  for (const tool of ['deb-systemd-helper', 'deb-systemd-invoke', 'systemctl', 'deluser', 'delgroup', 'udevadm', 'adduser', 'chown']) stub(bin, tool, 'exit 0');
  stub(bin, 'hcp-terminal', `exec "${process.execPath}" "${BIN}" "$@"`);
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const text = readFileSync(join(ROOT, 'packaging/debian', script), 'utf8')
      // As packaging/build-deb.mjs fills it in: the seq of the release the package carries.
      .replaceAll('@RELEASE_SEQ@', String(PACKAGE_SEQ))
      .replaceAll(REAL.bin, 'hcp-terminal')
      .replaceAll(REAL.data, paths.data)
      .replaceAll(REAL.etc, paths.etc)
      .replaceAll(REAL.lib, paths.lib);
    // Never a real system path: these scripts delete what they name.
    for (const real of Object.values(REAL)) expect(text).not.toContain(real);
    writeFileSync(join(dir, script), text, { mode: 0o755 });
  }
  mkdirSync(paths.data, { recursive: true, mode: 0o700 });
  if (serviceUid !== undefined) {
    // The service user reaches its data directory, as /var/lib lets it, and owns it.
    chmodSync(dir, 0o755);
    chownSync(paths.data, serviceUid, serviceUid);
  }
  mkdirSync(paths.etc, { recursive: true });
  mkdirSync(join(paths.lib, 'releases'), { recursive: true });
  const backups = join(dir, 'backups');
  return {
    ...paths,
    backups,
    run: (script, arg, env = {}) => {
      const r = spawnSync('/bin/sh', [join(dir, script), arg], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${process.env['PATH'] ?? ''}`,
          HCP_KEY_DIR: keys.path,
          HCP_LOG_LEVEL: 'warn',
          HCP_TERMINAL_BACKUPS: backups,
          ...env,
        },
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
  };
}

/** A provisioned terminal's data directory holding one rating waiting for the province and one whose follow-up is open. */
function withUnsentRatings(s: Sandbox): { pending: string; held: string } {
  const r = runCommand(['provision', '--data-dir', s.data, '--file', writeProvisioning(scratch(), { terminalId: TERMINAL })], { HCP_KEY_DIR: keys.path });
  expect(r.code, r.stderr).toBe(0);
  const { db } = openDatabase(s.data);
  try {
    const outbox = new Outbox(db);
    return db.transaction(() => ({
      pending: outbox.append(newRecord({ terminalId: TERMINAL, satisfaction: 4 }), { held: false }).evalId,
      // The service was stopped while a citizen was still adding a comment: the next start would release it as it is.
      held: outbox.append(newRecord({ terminalId: TERMINAL, satisfaction: 1 }), { held: true }).evalId,
    }))();
  } finally {
    db.close();
  }
}

describe('the package maintainer scripts: remove, then purge (as dpkg orders them)', { timeout: 120_000 }, () => {
  it('a purge keeps every unsent rating in a backup bundle, the one whose follow-up was open too, says so, then deletes', () => {
    const s = sandbox();
    const ids = withUnsentRatings(s);
    expect(s.run('prerm', 'remove').code).toBe(0);
    expect(s.run('postrm', 'remove').code).toBe(0);
    expect(existsSync(s.lib)).toBe(false);
    expect(existsSync(join(s.data, 'hcp-terminal.db'))).toBe(true);

    const purge = s.run('postrm', 'purge');
    expect(purge.code, purge.err).toBe(0);
    expect(purge.out).toContain(`2 ratings not yet accepted by the province were saved to ${s.backups}/purge-`);
    const [made] = readdirSync(s.backups);
    const bundle = JSON.parse(readFileSync(join(s.backups, made ?? '', 'unsent-records.json'), 'utf8')) as { records: { evalId: string }[] };
    expect(bundle.records.map((r) => r.evalId).sort()).toEqual([ids.pending, ids.held].sort());
    expect(existsSync(s.data)).toBe(false);
    expect(existsSync(s.etc)).toBe(false);
  });

  it('a purge keeps the bundles it was relaying for other terminals, as they were imported, though its own ratings were all sent', () => {
    const s = sandbox();
    expect(
      runCommand(['provision', '--data-dir', s.data, '--file', writeProvisioning(scratch(), { terminalId: TERMINAL })], { HCP_KEY_DIR: keys.path }).code,
    ).toBe(0);
    const other = 'T-350402-0002';
    const sent = chainedRecords(other, 2, 5);
    const bundles = [bundleOf(other, chainedRecords(other, 3)), bundleOf(other, sent)];
    const files = bundles.map((b) => JSON.stringify(b, null, 1));
    const { db } = openDatabase(s.data);
    try {
      const queue = new BundleQueue(db);
      const ids = files.map((f) => {
        const added = queue.add(f);
        if (!added.ok) throw new Error(added.error);
        return added.bundleId;
      });
      // The second went to the province whole: nothing of it is to keep.
      queue.done(
        ids[1] ?? '',
        sent.map((r) => ({ evalId: r.evalId, status: 'accepted' as const })),
      );
    } finally {
      db.close();
    }
    expect(s.run('prerm', 'remove').code).toBe(0);
    expect(s.run('postrm', 'remove').code).toBe(0);
    const purge = s.run('postrm', 'purge');
    expect(purge.code, purge.err).toBe(0);
    expect(purge.out).toContain('3 ratings not yet accepted by the province were saved to');
    expect(purge.out).toContain('3 of them were being relayed for other terminals');
    const [made] = readdirSync(s.backups);
    const kept = join(s.backups, made ?? '');
    expect(readdirSync(kept).sort()).toEqual(['unsent-records-relayed-1.json', 'unsent-records.json']);
    // Byte for byte the file that was imported: its maker's signature still holds.
    expect(readFileSync(join(kept, 'unsent-records-relayed-1.json'), 'utf8')).toBe(files[0]);
    expect(existsSync(s.data)).toBe(false);
  });

  it('a purge that cannot write its backup refuses, says why, and deletes nothing', () => {
    const s = sandbox();
    withUnsentRatings(s);
    expect(s.run('prerm', 'remove').code).toBe(0);
    expect(s.run('postrm', 'remove').code).toBe(0);
    // What a read-only or full /var/backups looks like to mkdir and cp.
    writeFileSync(s.backups, 'a file where the backup folder should be');
    const purge = s.run('postrm', 'purge');
    expect(purge.code).toBe(1);
    expect(purge.err).toMatch(/purge refused, nothing deleted: cannot create .*backups/);
    expect(existsSync(join(s.data, 'hcp-terminal.db'))).toBe(true);
    expect(existsSync(s.etc)).toBe(true);
  });

  it('a terminal that was never provisioned holds no ratings: the purge says so and deletes', () => {
    const s = sandbox();
    // The service started once (its database exists) and was never provisioned.
    openDatabase(s.data).db.close();
    expect(s.run('prerm', 'remove').code).toBe(0);
    expect(s.run('postrm', 'remove').code).toBe(0);
    const purge = s.run('postrm', 'purge');
    expect(purge.code, purge.err).toBe(0);
    expect(purge.out).toMatch(/never provisioned: it holds no ratings to keep/);
    expect(existsSync(s.data)).toBe(false);
    expect(existsSync(s.backups)).toBe(false);
  });

  it('a purge refuses when the export at removal failed (here: the sealing key was missing), and deletes nothing', () => {
    const s = sandbox();
    withUnsentRatings(s);
    expect(s.run('prerm', 'remove', { HCP_KEY_DIR: scratch() }).code).toBe(0);
    expect(s.run('postrm', 'remove').code).toBe(0);
    const purge = s.run('postrm', 'purge');
    expect(purge.code).toBe(1);
    expect(purge.err).toMatch(/purge refused, nothing deleted: the unsent records could not be exported when the package was removed/);
    expect(existsSync(join(s.data, 'hcp-terminal.db'))).toBe(true);
  });

  // Issue 24: the data directory is the service user's, so what it holds at a purge may be links that user planted.
  describe('a purge reads the export made at removal as the service user, never through a link it planted', () => {
    const SERVICE = 65534;
    const SECRET = 'root-only-secret-7f3a';
    const asRoot = process.geteuid?.() === 0;

    /** A root-only file (0600 in a 0700 folder), and a data directory whose export the service user has rigged. */
    function rigged(plant: (stage: string, secret: string, secretDir: string) => void): { s: Sandbox; stage: string } {
      const s = sandbox(SERVICE);
      const secretDir = scratch();
      writeFileSync(join(secretDir, 'failed'), SECRET, { mode: 0o600 });
      writeFileSync(join(s.data, 'hcp-terminal.db'), '');
      const stage = join(s.data, '.removal-export');
      plant(stage, join(secretDir, 'failed'), secretDir);
      for (const p of [join(s.data, 'hcp-terminal.db'), stage]) lchownSync(p, SERVICE, SERVICE);
      return { s, stage };
    }

    const plants: [string, (stage: string, secret: string, secretDir: string) => void][] = [
      ['"failed" is a link to a root-only file', (stage, secret) => (mkdirSync(stage), symlinkSync(secret, join(stage, 'failed')))],
      [
        'the bundle is a link to a root-only file',
        (stage, secret) => {
          mkdirSync(stage);
          writeFileSync(join(stage, 'ok'), '{"event":"exported","records":1}\n');
          symlinkSync(secret, join(stage, 'unsent-records.json'));
          chownSync(join(stage, 'ok'), SERVICE, SERVICE);
          lchownSync(join(stage, 'unsent-records.json'), SERVICE, SERVICE);
        },
      ],
      ['the export folder is a link to a root-only folder', (stage, _secret, secretDir) => symlinkSync(secretDir, stage)],
    ];

    it.skipIf(!asRoot)('a remove and purge with a real service user: its export is read as it and kept', () => {
      const s = sandbox(SERVICE);
      chownSync(s.data, process.getuid?.() ?? 0, 0);
      withUnsentRatings(s);
      // What the package has: the data directory and the sealing key are the service user's.
      for (const d of [s.data, keys.path]) {
        chownSync(d, SERVICE, SERVICE);
        for (const f of readdirSync(d, { recursive: true, encoding: 'utf8' })) lchownSync(join(d, f), SERVICE, SERVICE);
      }
      expect(s.run('prerm', 'remove').code).toBe(0);
      expect(s.run('postrm', 'remove').code).toBe(0);
      const purge = s.run('postrm', 'purge');
      expect(purge.code, purge.err).toBe(0);
      expect(purge.out).toContain('2 ratings not yet accepted by the province were saved to');
      expect(existsSync(s.data)).toBe(false);
    });

    it.skipIf(!asRoot).each(plants)('%s: the purge refuses, shows none of it, keeps none of it, deletes nothing', (_name, plant) => {
      const { s } = rigged(plant);
      const purge = s.run('postrm', 'purge');
      expect(purge.code, purge.err).toBe(1);
      expect(purge.err).toMatch(/purge refused, nothing deleted/);
      expect(purge.out + purge.err).not.toContain(SECRET);
      const kept = existsSync(s.backups) ? readdirSync(s.backups, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
      for (const f of kept) expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(SECRET);
      expect(existsSync(join(s.data, 'hcp-terminal.db'))).toBe(true);
    });
  });
});

describe('the package postinst: the seq floor of update bundles (issue 24)', { timeout: 60_000 }, () => {
  it("records the package's seq in root's releases/.installed-seq, never lowering a higher one", () => {
    const s = sandbox();
    const floor = join(s.lib, 'releases', '.installed-seq');
    const configure = () => {
      const r = s.run('postinst', 'configure');
      expect(r.code, r.err).toBe(0);
      return readFileSync(floor, 'utf8');
    };
    // A fresh install, and an upgrade over a floor that bundles left lower.
    expect(configure()).toBe(`${String(PACKAGE_SEQ)}\n`);
    writeFileSync(floor, '3\n');
    expect(configure()).toBe(`${String(PACKAGE_SEQ)}\n`);
    // A bundle installed after the package's release raised it: a reconfigure keeps that.
    writeFileSync(floor, '12\n');
    expect(configure()).toBe('12\n');
    // Whatever else is in the file is read as no floor, and replaced.
    writeFileSync(floor, 'garbage');
    expect(configure()).toBe(`${String(PACKAGE_SEQ)}\n`);
    expect(statSync(floor).mode & 0o777).toBe(0o644);
  });
});
