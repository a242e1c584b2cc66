import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { provisioningFile, TOKEN } from '../helpers/fixtures.js';
import { appFile, claimFrom, recordingBrowser, runAs } from '../helpers/kiosk-user.js';
import { BIN, runCommand, startTerminal, type RunningTerminal } from '../helpers/process.js';
import { rateOnce, until } from '../helpers/sync-rig.js';

/**
 * The set-up of the package (docs/packaging.md), without dpkg: the service runs as one user, the kiosk window as the
 * desktop user, who cannot read the service's 0700 data directory. `install-service --kiosk-user` hands the kiosk pass
 * to the kiosk group through its own folder; a user outside that group gets nothing. The package test
 * (test/package/deb.package.ts) does the same with the installed package.
 */
const isRoot = process.getuid?.() === 0;
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const canRun = isRoot && ['useradd', 'userdel', 'groupdel', 'usermod', 'runuser', 'setpriv', 'getent'].every(has);

const tag = String(process.pid % 100000);
const USERS = { service: `hcps${tag}`, kiosk: `hcpk${tag}`, other: `hcpo${tag}` };
const GROUP = `hcpg${tag}`;

function account(name: string): { uid: number; gid: number } {
  const f = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

describe.runIf(canRun)('the kiosk window of another user than the service (the package’s set-up)', { timeout: 240_000 }, () => {
  const base = mkdtempSync(join(tmpdir(), 'hcp-kiosk-user-'));
  let terminal: RunningTerminal | undefined;

  afterAll(async () => {
    await terminal?.stop();
    for (const name of Object.values(USERS)) spawnSync('userdel', [name]);
    spawnSync('groupdel', [GROUP]);
    rmSync(base, { recursive: true, force: true });
  });

  it('the kiosk group’s user gets a launch page that rates; a user outside it gets no pass, and its page NOT_KIOSK', async () => {
    for (const name of Object.values(USERS)) {
      const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
      expect(made.status, made.stderr.toString()).toBe(0);
    }
    chmodSync(base, 0o755);
    const data = join(base, 'data');
    const keys = join(base, 'keys');
    mkdirSync(keys, { mode: 0o700 });
    const service = account(USERS.service);
    chownSync(keys, service.uid, service.gid);

    // As the technician does (docs/technician.md): root installs the service for one user, the kiosk for another.
    const installed = runCommand(
      [
        'install-service',
        '--data-dir',
        data,
        '--user',
        USERS.service,
        '--kiosk-user',
        USERS.kiosk,
        '--kiosk-group',
        GROUP,
        '--unit-dir',
        join(base, 'units'),
        '--autostart-dir',
        join(base, 'autostart'),
      ],
      {},
    );
    expect(installed.code, installed.stderr).toBe(0);
    const kioskDir = `${data}-kiosk`;
    const handover = statSync(kioskDir);
    expect({ mode: handover.mode & 0o7777, uid: handover.uid }).toEqual({ mode: 0o2750, uid: service.uid });
    expect(spawnSync('id', ['-nG', USERS.kiosk], { encoding: 'utf8' }).stdout.split(/\s+/)).toContain(GROUP);
    const unit = readFileSync(join(base, 'units', 'hcp-terminal.service'), 'utf8');
    expect(unit).toContain(`ReadWritePaths=${data} -${kioskDir}`);
    // The autostart entry's command, as the desktop session would run it.
    const exec = /^Exec=(.+)$/m.exec(readFileSync(join(base, 'autostart', 'hcp-terminal-kiosk.desktop'), 'utf8'))?.[1]?.split(' ') ?? [];
    const kioskArgs = exec.slice(exec.indexOf('kiosk'));
    expect(kioskArgs).toEqual(['kiosk', '--data-dir', data]);

    // The service: provisioned and started as its own user, as the unit starts it.
    const file = join(base, 'provision.json');
    writeFileSync(file, JSON.stringify(provisioningFile()), { mode: 0o644 });
    const provisioned = runAs(USERS.service, process.execPath, [BIN, 'provision', '--data-dir', data, '--file', file], { HCP_KEY_DIR: keys });
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const wrapper = join(base, 'as-service.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec setpriv --reuid=${String(service.uid)} --regid=${String(service.gid)} --init-groups "$@"\n`, { mode: 0o755 });
    terminal = await startTerminal(['--data-dir', data], { HCP_KEY_DIR: keys, HCP_LOG_LEVEL: 'warn' }, 120_000, wrapper);
    const api = apiClient(terminal.ready.api, TOKEN);

    // The kiosk user: `hcp-terminal kiosk` opens the browser on a page it can read, and that page rates.
    const browsers = join(base, 'browsers');
    mkdirSync(browsers, { mode: 0o777 });
    chmodSync(browsers, 0o777);
    const chromium = recordingBrowser(browsers, 'kiosk-user');
    const started = runAs(USERS.kiosk, process.execPath, [BIN, ...kioskArgs, '--browser', chromium.path]);
    expect(started.code, started.stderr).toBe(0);
    const launched = chromium.launched();
    expect(launched).toContain('--kiosk');
    const launchFile = appFile(launched ?? []);
    expect(launchFile.startsWith(`${kioskDir}/`)).toBe(true);
    const pass = statSync(launchFile);
    expect({ mode: pass.mode & 0o777, uid: pass.uid, gid: pass.gid }).toEqual({ mode: 0o640, uid: service.uid, gid: handover.gid });
    expect(spawnSync('getent', ['group', GROUP], { encoding: 'utf8' }).stdout.split(':')[2]).toBe(String(handover.gid));
    const page = runAs(USERS.kiosk, 'cat', [launchFile]);
    expect(page.code, page.stderr).toBe(0);
    const ui = await BridgeClient.connect(terminal.ready.ui, { cookie: await claimFrom(page.stdout) });
    try {
      expect((await api.post('/staff/login', { staffId: 'SM0012', pin: '1234' })).status).toBe(200);
      const sessionId = await rateOnce(api, ui, 5);
      expect((await api.get(`/sessions/${sessionId}`)).body['status']).not.toBe('inviting');
    } finally {
      ui.close();
    }

    // A user outside the group: the launcher says at once why, starts no browser, and the page cannot be read.
    const stranger = recordingBrowser(browsers, 'other-user');
    const refused = runAs(USERS.other, process.execPath, [BIN, ...kioskArgs, '--browser', stranger.path]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${USERS.other} may not read the kiosk pass in ${kioskDir}: it is for the members of ${GROUP}`);
    expect(stranger.launched()).toBeNull();
    expect(runAs(USERS.other, 'cat', [launchFile]).code).not.toBe(0);
    expect(runAs(USERS.other, 'ls', [kioskDir]).code).not.toBe(0);
    // Its browser, pointed at the terminal's address, sees the screen and cannot rate.
    const watcher = await BridgeClient.connect(terminal.ready.ui);
    try {
      const opened = await until(
        () => api.post('/sessions', {}),
        (r) => r.status === 201,
        30_000,
        'a new invitation after the rating',
      );
      const { sessionId } = opened.body as { sessionId: string };
      expect(await watcher.send({ type: 'choose', sessionId, item: 0, level: 5 })).toMatchObject({ ok: false, code: 'NOT_KIOSK' });
      expect((await api.get(`/sessions/${sessionId}`)).body['status']).toBe('inviting');
    } finally {
      watcher.close();
    }
  });

  it('a kiosk pass folder anyone else could look into is not used: the terminal says why and keeps the pass to itself', async () => {
    const own = join(base, 'own-data');
    const open = `${own}-kiosk`;
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const t = await startTerminal(['--data-dir', own, '--port', '0'], { HCP_KEY_DIR: join(base, 'own-keys') }, 120_000);
    try {
      expect(t.stderr()).toContain(`the kiosk pass folder ${open} has mode 755, not 2750`);
      expect(existsSync(join(open, 'launch.html'))).toBe(false);
      expect(statSync(join(own, 'kiosk', 'launch.html')).mode & 0o777).toBe(0o600);
    } finally {
      await t.stop();
    }
  });
});
