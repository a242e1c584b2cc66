import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDirs } from '../helpers/fixtures.js';
import { runCommand } from '../helpers/process.js';

const dir = scratchDirs();
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;
const hasUseradd = spawnSync('sh', ['-c', 'command -v useradd']).status === 0;

/** A scratch folder others may pass through, as /home is: a user's home below it is theirs to reach. */
function reachable(): string {
  const d = dir();
  chmodSync(d, 0o755);
  return d;
}

function account(name: string): { uid: number; gid: number } {
  const f = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

describe('hcp-terminal install-service', () => {
  it('prints, and writes, a unit that starts the headless terminal at boot and restarts it, and a kiosk autostart entry', () => {
    const data = join(dir(), 'data dir');
    const printed = runCommand(['install-service', '--data-dir', data, '--user', 'kiosk', '--print'], {});
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^ExecStart=.*hcp-terminal\.js serve --data-dir "[^"]*data dir"$/m);
    expect(printed.stdout).toMatch(/^Restart=on-failure$/m);
    expect(printed.stdout).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(printed.stdout).toMatch(/^User=kiosk$/m);
    expect(printed.stdout).toMatch(/^Exec=.*hcp-terminal\.js kiosk --data-dir "[^"]*data dir"$/m);

    const units = dir();
    const autostart = dir();
    const written = runCommand(['install-service', '--data-dir', data, '--user', 'root', '--unit-dir', units, '--autostart-dir', autostart], {});
    expect(written.code, written.stderr).toBe(0);
    const unit = join(units, 'hcp-terminal.service');
    expect(statSync(unit).mode & 0o777).toBe(0o644);
    expect(readFileSync(unit, 'utf8')).toContain(`ReadWritePaths="${data}"`);
    expect(readFileSync(join(autostart, 'hcp-terminal-kiosk.desktop'), 'utf8')).toMatch(/^\[Desktop Entry\]$/m);
    expect(runCommand(['install-service', '--data-dir', data, '--user', 'bad user;rm', '--print'], {}).code).toBe(2);
  });

  it.runIf(hasSystemdAnalyze)('passes systemd-analyze verify', () => {
    const units = dir();
    const data = dir();
    expect(runCommand(['install-service', '--data-dir', data, '--user', 'root', '--unit-dir', units, '--autostart-dir', dir()], {}).code).toBe(0);
    const unit = join(units, 'hcp-terminal.service');
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    const complaints = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.includes('hcp-terminal.service'))
      .join('\n');
    expect(complaints).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(isRoot)('hands the data directory to the service user, and writes no autostart entry into a home that is not there', () => {
    const data = join(dir(), 'new', 'data');
    const units = dir();
    const r = runCommand(['install-service', '--data-dir', data, '--user', 'nobody', '--unit-dir', units], {});
    expect(r.code, r.stderr).toBe(0);
    const st = statSync(data);
    expect({ uid: st.uid, gid: st.gid }).toEqual(account('nobody'));
    expect(st.mode & 0o777).toBe(0o700);
    // nobody's home is /nonexistent: nothing is made under /home for it.
    expect(existsSync('/home/nobody')).toBe(false);
    expect(JSON.parse(r.stdout)).toMatchObject({ autostart: null, dataDir: data });
    expect(runCommand(['install-service', '--data-dir', data, '--user', 'no-such-user-hcp', '--unit-dir', units], {}).code).toBe(2);
  });

  it.runIf(isRoot && hasUseradd)("writes the kiosk's autostart entry into the desktop user's real home, owned by them", () => {
    const name = `hcpk${String(process.pid % 100000)}`;
    const group = `hcpg${String(process.pid % 100000)}`;
    const home = join(reachable(), 'homes', 'kiosk');
    expect(spawnSync('useradd', ['--home-dir', home, '--create-home', '--shell', '/bin/sh', name]).status).toBe(0);
    try {
      const data = dir();
      const r = runCommand(['install-service', '--data-dir', data, '--user', 'nobody', '--kiosk-user', name, '--kiosk-group', group, '--unit-dir', dir()], {});
      expect(r.code, r.stderr).toBe(0);
      const entry = join(home, '.config', 'autostart', 'hcp-terminal-kiosk.desktop');
      expect(JSON.parse(r.stdout)).toMatchObject({ autostart: entry });
      const me = account(name);
      for (const p of [entry, join(home, '.config'), join(home, '.config', 'autostart')]) expect(statSync(p).uid, p).toBe(me.uid);
      expect(existsSync(join('/home', name))).toBe(false);
      // The kiosk window is not the service's: the kiosk pass reaches it in its group's folder (kiosk-other-user.test.ts).
      expect(statSync(`${data}-kiosk`).mode & 0o7777).toBe(0o2750);
    } finally {
      spawnSync('userdel', [name]);
      spawnSync('groupdel', [group]);
    }
  });

  // Issue 24: the kiosk user's home is theirs to fill with links; root, writing the entry itself, wrote through them.
  it.runIf(isRoot && hasUseradd)('never writes through a link the kiosk user planted in their home: the entry is written as them', () => {
    const name = `hcpl${String(process.pid % 100000)}`;
    const home = join(reachable(), 'homes', 'kiosk');
    expect(spawnSync('useradd', ['--home-dir', home, '--create-home', '--shell', '/bin/sh', name]).status).toBe(0);
    try {
      const me = account(name);
      // Root's own: a file only root may write, and a folder only root may write into.
      const rootOnly = dir();
      const shadow = join(rootOnly, 'shadow');
      writeFileSync(shadow, 'root:secret\n', { mode: 0o600 });
      mkdirSync(join(home, '.config', 'autostart'), { recursive: true });
      symlinkSync(shadow, join(home, '.config', 'autostart', 'hcp-terminal-kiosk.desktop'));
      for (const p of [join(home, '.config'), join(home, '.config', 'autostart'), join(home, '.config', 'autostart', 'hcp-terminal-kiosk.desktop')]) {
        lchownSync(p, me.uid, me.gid);
      }
      const r = runCommand(['install-service', '--data-dir', dir(), '--user', 'nobody', '--kiosk-user', name, '--unit-dir', dir()], {});
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/cannot write the kiosk autostart entry/);
      expect(readFileSync(shadow, 'utf8')).toBe('root:secret\n');
      expect(statSync(shadow).uid).toBe(0);

      // ~/.config itself a link to root's folder: nothing is made there.
      rmSync(join(home, '.config'), { recursive: true });
      symlinkSync(rootOnly, join(home, '.config'));
      lchownSync(join(home, '.config'), me.uid, me.gid);
      expect(runCommand(['install-service', '--data-dir', dir(), '--user', 'nobody', '--kiosk-user', name, '--unit-dir', dir()], {}).code).not.toBe(0);
      expect(readdirSync(rootOnly)).toEqual(['shadow']);
    } finally {
      spawnSync('userdel', [name]);
    }
  });

  it('hardens the unit as far as serial, HID and the data directory allow', () => {
    const printed = runCommand(['install-service', '--data-dir', '/var/lib/hcp-test', '--user', 'kiosk', '--print'], {});
    for (const line of [
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'ReadWritePaths=/var/lib/hcp-test',
      'NoNewPrivileges=yes',
      'CapabilityBoundingSet=',
      'DevicePolicy=closed',
      'DeviceAllow=char-ttyUSB rw',
      'DeviceAllow=char-hidraw rw',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
      'SystemCallFilter=@system-service',
    ]) {
      expect(printed.stdout.split('\n')).toContain(line);
    }
  });

  it.runIf(hasSystemdAnalyze)('scores at most 2.0 (OK) in systemd-analyze security', () => {
    const units = dir();
    expect(runCommand(['install-service', '--data-dir', '/var/lib/hcp-test', '--user', 'root', '--unit-dir', units, '--autostart-dir', dir()], {}).code).toBe(
      0,
    );
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', join(units, 'hcp-terminal.service')], { encoding: 'utf8' });
    const score = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1];
    expect(Number(score), r.stdout + r.stderr).toBeLessThanOrEqual(2.0);
  });
});
