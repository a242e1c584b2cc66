import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDirs } from '../helpers/fixtures.js';
import { runCommand } from '../helpers/process.js';

const dir = scratchDirs();
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

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
});
