import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceFiles, updaterUnits } from '../../main/cli/service-unit.js';
import { spoolDirOf } from '../../main/update/layout.js';
import { scratchDirs } from '../helpers/fixtures.js';
import { BIN } from '../helpers/process.js';

const dir = scratchDirs();
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const DATA = '/var/lib/hcp-terminal';
const LIB = '/usr/lib/hcp-terminal';
const KIOSK = '/var/lib/hcp-terminal-kiosk';
// systemd-analyze verify wants an ExecStart that exists: this checkout's node and bin stand for /usr/bin/hcp-terminal.
const command = [process.execPath, BIN];

function packageUnits() {
  const { unit } = serviceFiles({
    dataDir: DATA,
    user: 'hcp-terminal',
    port: undefined,
    command,
    documentation: 'file:///x',
    layoutDir: LIB,
    kioskHandover: true,
  });
  const updater = updaterUnits({ dataDir: DATA, layoutDir: LIB, command, documentation: 'file:///x' });
  const d = dir();
  const files = { main: join(d, 'hcp-terminal.service'), updater: join(d, 'hcp-terminal-update.service'), path: join(d, 'hcp-terminal-update.path') };
  writeFileSync(files.main, unit);
  writeFileSync(files.updater, updater.service);
  writeFileSync(files.path, updater.path);
  return { unit, updater, files };
}

function exposure(file: string): number {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', file], { encoding: 'utf8' });
  return Number(/Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1]);
}

describe('the package’s units for updates', () => {
  it('lets the terminal write its pointers in the package, and nothing beyond its data anywhere else', () => {
    expect(packageUnits().unit.split('\n')).toContain(`ReadWritePaths=${DATA} -${KIOSK} ${LIB}`);
    const checkout = serviceFiles({ dataDir: DATA, user: 'kiosk', port: undefined, command, documentation: 'file:///x' }).unit;
    expect(checkout.split('\n')).toContain(`ReadWritePaths=${DATA}`);
  });

  it('starts root’s installer on the spool the terminal hands bundles to, without network, root only for what installing needs', () => {
    const { updater } = packageUnits();
    expect(updater.path.split('\n')).toContain(`DirectoryNotEmpty=${spoolDirOf(DATA)}`);
    expect(updater.service).toMatch(new RegExp(`^ExecStart=.* update --spool ${spoolDirOf(DATA)} --data-dir ${DATA}$`, 'm'));
    for (const line of [
      'Type=oneshot',
      'PrivateNetwork=yes',
      'ProtectSystem=strict',
      `ReadWritePaths=${LIB} ${DATA}`,
      'NoNewPrivileges=yes',
      'SuccessExitStatus=4',
    ]) {
      expect(updater.service.split('\n')).toContain(line);
    }
    expect(updater.service).toMatch(/^CapabilityBoundingSet=CAP_CHOWN CAP_DAC_READ_SEARCH CAP_SETUID CAP_SETGID$/m);
  });

  it('starts the terminal with glibc’s allocator bounded (two arenas, freed memory given back), in the package and a checkout', () => {
    const checkout = serviceFiles({ dataDir: DATA, user: 'kiosk', port: undefined, command, documentation: 'file:///x' }).unit;
    for (const unit of [packageUnits().unit, checkout]) {
      expect(unit.split('\n')).toContain('Environment=MALLOC_ARENA_MAX=2');
      expect(unit.split('\n')).toContain('Environment=MALLOC_TRIM_THRESHOLD_=131072');
    }
  });

  it.runIf(hasSystemdAnalyze)('pass systemd-analyze verify, and score at most 2.0 (OK) in systemd-analyze security', () => {
    const { files } = packageUnits();
    const r = spawnSync('systemd-analyze', ['verify', files.main, files.updater, files.path], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('hcp-terminal'))).toEqual([]);
    expect(r.status).toBe(0);
    expect(exposure(files.main)).toBeLessThanOrEqual(2.0);
    expect(exposure(files.updater)).toBeLessThanOrEqual(2.0);
  });
});
