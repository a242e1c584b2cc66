import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutOf, linkedVersion, pointerOwnerFor, switchLink } from '../../main/update/layout.js';
import { readTrialState, recordAttempt, writeTrialState } from '../../main/update/trial-state.js';
import { scratchDirs } from '../helpers/fixtures.js';
import { REPO } from '../helpers/releases.js';

const dir = scratchDirs();

/** A layout root with release folders `names` under releases/. */
function layoutWith(...names: string[]) {
  const root = dir();
  for (const n of names) mkdirSync(join(root, 'releases', n), { recursive: true });
  mkdirSync(join(root, 'releases'), { recursive: true });
  return { root, l: layoutOf(join(root, 'releases')) };
}

describe('who owns current, good and trial.json (installs are root’s, pointers are the launcher’s)', () => {
  it('root hands every pointer it writes to the owner of `current`; nobody else gives files away', () => {
    const service = { uid: 998, gid: 997 };
    expect(pointerOwnerFor(0, service)).toEqual(service);
    // A checkout or a test run by its own user: the pointers stay the writer's.
    expect(pointerOwnerFor(1000, service)).toBeNull();
    expect(pointerOwnerFor(undefined, service)).toBeNull();
    // Root's own layout (no service user), or no `current` yet (a first install): nothing to hand over.
    expect(pointerOwnerFor(0, { uid: 0, gid: 0 })).toBeNull();
    expect(pointerOwnerFor(0, null)).toBeNull();
  });

  it('a pointer names a release only by the last part of its target, and only as a real folder under releases/', () => {
    const { root, l } = layoutWith('1.0.0', '.staging-1.1.0');
    const outside = dir();
    mkdirSync(join(outside, '1.0.0'));
    mkdirSync(join(outside, '2.0.0'));
    symlinkSync(join(outside, '2.0.0'), join(root, 'releases', '2.0.0'));
    const named = (target: string) => {
      symlinkSync(target, join(root, 'probe'));
      try {
        return linkedVersion(join(root, 'probe'), l);
      } finally {
        spawnSync('rm', ['-f', join(root, 'probe')]);
      }
    };
    expect(named('releases/1.0.0')).toBe('1.0.0');
    // Aimed elsewhere: the name counts, so releases/1.0.0 is what would run, never the folder outside.
    expect(named(join(outside, '1.0.0'))).toBe('1.0.0');
    // A name with no release folder, the layout root itself, a staging folder, or a symlink inside releases/.
    expect(named(join(outside, '3.0.0'))).toBeNull();
    expect(named('releases/..')).toBeNull();
    expect(named('..')).toBeNull();
    expect(named('releases/.staging-1.1.0')).toBeNull();
    expect(named('releases/2.0.0')).toBeNull();
    expect(named('releases/1.0.0/')).toBeNull();
    expect(linkedVersion(join(root, 'missing'), l)).toBeNull();
  });

  it('writes the trial state without following a link planted under its temp name, readable by all', () => {
    const { root, l } = layoutWith('1.0.0');
    switchLink(l.current, l, '1.0.0');
    const victim = join(dir(), 'victim');
    writeFileSync(victim, 'not yours\n');
    // The layout root is the service's group's to add entries to: it could plant a link where root writes next.
    symlinkSync(victim, `${l.trialFile}.tmp-${String(process.pid)}`);
    symlinkSync(victim, `${l.good}.new-${String(process.pid)}`);
    recordAttempt(l, { ok: false, file: 'x.hcpupd', reason: 'tampered', message: 'test' });
    switchLink(l.good, l, '1.0.0');
    expect(readFileSync(victim, 'utf8')).toBe('not yours\n');
    expect(readTrialState(l).lastAttempt).toMatchObject({ ok: false, reason: 'tampered' });
    expect(lstatSync(l.trialFile).isFile()).toBe(true);
    expect(lstatSync(l.trialFile).mode & 0o777).toBe(0o644);
    expect(readlinkSync(l.good)).toBe(join('releases', '1.0.0'));
    expect(existsSync(join(root, 'trial.json.tmp-' + String(process.pid)))).toBe(false);
  });

  it('reads no trial state through a link: a trial.json that points elsewhere counts as none', () => {
    const { l } = layoutWith('1.0.0');
    const elsewhere = join(dir(), 'state.json');
    writeFileSync(elsewhere, JSON.stringify({ highestSeq: 99 }));
    symlinkSync(elsewhere, l.trialFile);
    expect(readTrialState(l).highestSeq).toBe(0);
    writeTrialState(l, { ...readTrialState(l), highestSeq: 3 });
    // The link is replaced, never written through.
    expect(JSON.parse(readFileSync(elsewhere, 'utf8'))).toEqual({ highestSeq: 99 });
    expect(readTrialState(l).highestSeq).toBe(3);
  });
});

describe('/usr/bin/hcp-terminal runs releases/<name of the link> and nothing else', () => {
  /** The package's launcher script, pointed at a scratch layout, with releases whose "node" says who ran. */
  function shellLayout() {
    const lib = dir();
    const marks = dir();
    const script = readFileSync(join(REPO, 'packaging', 'hcp-terminal.sh'), 'utf8')
      .replace(/^lib=.*$/m, `lib='${lib}'`)
      .replace('@V8_FLAGS@', '--v8-flag');
    writeFileSync(join(lib, 'launcher.sh'), script);
    const release = (where: string, who: string) => {
      mkdirSync(join(where, 'node', 'bin'), { recursive: true });
      mkdirSync(join(where, 'bin'), { recursive: true });
      writeFileSync(join(where, 'node', 'bin', 'node'), `#!/bin/sh\necho "${who} ran: $*"\ntouch '${join(marks, who)}'\n`);
      chmodSync(join(where, 'node', 'bin', 'node'), 0o755);
    };
    const run = (...args: string[]) => spawnSync('sh', [join(lib, 'launcher.sh'), ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    const ran = (who: string) => existsSync(join(marks, who));
    return { lib, release, run, ran };
  }

  it('runs the good release, with serve given the releases folder', () => {
    const s = shellLayout();
    s.release(join(s.lib, 'releases', '1.0.0'), 'A');
    s.release(join(s.lib, 'releases', '1.1.0'), 'B');
    symlinkSync('releases/1.0.0', join(s.lib, 'good'));
    symlinkSync('releases/1.1.0', join(s.lib, 'current'));
    const r = s.run('serve', '--data-dir', '/d');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(
      `A ran: --v8-flag ${join(s.lib, 'releases', '1.0.0')}/bin/hcp-terminal.js serve --releases-dir ${s.lib}/releases --data-dir /d`,
    );
  });

  it('never runs what a `good` link aims at outside releases/: the name alone counts, or `current` is used', () => {
    const s = shellLayout();
    const outside = dir();
    s.release(join(s.lib, 'releases', '1.0.0'), 'A');
    // The service user may write into the layout root and aim its own links anywhere.
    s.release(join(outside, '1.0.0'), 'evil-same-name');
    s.release(join(outside, 'evil'), 'evil');
    symlinkSync('releases/1.0.0', join(s.lib, 'current'));

    symlinkSync(join(outside, '1.0.0'), join(s.lib, 'good'));
    expect(s.run('status').stdout).toMatch(/^A ran: /);
    expect(s.ran('evil-same-name')).toBe(false);

    spawnSync('rm', [join(s.lib, 'good')]);
    symlinkSync(join(outside, 'evil'), join(s.lib, 'good'));
    expect(s.run('status').stdout).toMatch(/^A ran: /);
    expect(s.ran('evil')).toBe(false);
  });

  it('refuses `..`, dot names and links inside releases/, and runs nothing when no pointer names a release', () => {
    const s = shellLayout();
    const outside = dir();
    s.release(outside, 'evil-linked');
    // A release folder that is a link, and the layout root itself dressed as a release (`releases/..`).
    mkdirSync(join(s.lib, 'releases'), { recursive: true });
    symlinkSync(outside, join(s.lib, 'releases', '9.9.9'));
    s.release(s.lib, 'evil-root');
    symlinkSync('releases/..', join(s.lib, 'good'));
    symlinkSync('releases/9.9.9', join(s.lib, 'current'));
    const r = s.run('status');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/no release to run/);
    expect(s.ran('evil-linked')).toBe(false);
    expect(s.ran('evil-root')).toBe(false);
  });
});
