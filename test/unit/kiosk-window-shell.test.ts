import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launcherCommand } from '../../main/cli/kiosk.js';
import { endOfStatus, openingArgs, parseOpening, windowShellArgv } from '../../main/cli/kiosk-window-shell.js';

describe('what the kiosk window’s shell hands back to the launcher', () => {
  it('tells a crash by a signal, an exit code, a clean close and a browser that could not be run apart', () => {
    expect(endOfStatus('137')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(endOfStatus('139')).toEqual({ code: null, signal: 'SIGSEGV' });
    expect(endOfStatus('0')).toEqual({ code: 0, signal: null });
    expect(endOfStatus('21')).toEqual({ code: 21, signal: null });
    expect(endOfStatus('127')).toMatchObject({ error: 'the browser was not found' });
    expect(endOfStatus('126')).toMatchObject({ error: 'the browser could not be run' });
  });

  it('carries an opening to the next start unchanged, and refuses one that is not its own', () => {
    const opening = { openedAt: 1_765_000_000_000, delayMs: 4000, crashes: [1_765_000_000_000, 1_765_000_001_000] };
    const [, at, , pace, , crashes] = openingArgs(opening);
    expect(parseOpening(at, pace, crashes)).toEqual(opening);
    expect(parseOpening('5', '1000', '')).toEqual({ openedAt: 5, delayMs: 1000, crashes: [] });
    for (const [a, p, c] of [
      ['x', '1000', ''],
      ['5', '-1', ''],
      ['5', '1000', '1,,2'],
      [undefined, '1000', ''],
      ['5', '1000', undefined],
    ] as const)
      expect(() => parseOpening(a, p, c)).toThrow(/must be/);
    expect(() => endOfStatus('256')).toThrow(/exit status from 0 to 255/);
    expect(() => endOfStatus('9; rm -rf /')).toThrow(/exit status/);
  });

  it('starts the packaged launcher through the package’s own command, which picks the good release then', () => {
    const releases = mkdtempSync(join(tmpdir(), 'hcp-releases-'));
    const bin = join(releases, 'hcp-terminal');
    writeFileSync(bin, '');
    const packaged = { releases, bin };
    try {
      expect(launcherCommand('/d', '/usr/bin/chromium', join(releases, '1.3.0', 'bin', 'hcp-terminal.js'), packaged)).toEqual([
        bin,
        'kiosk',
        '--data-dir',
        '/d',
        '--browser',
        '/usr/bin/chromium',
      ]);
      // From a checkout, the same Node and script.
      const fromCheckout = launcherCommand('/d', '/usr/bin/chromium', '/opt/hcp/bin/hcp-terminal.js', packaged);
      expect(fromCheckout[0]).toBe(process.execPath);
      expect(fromCheckout.slice(-6)).toEqual(['/opt/hcp/bin/hcp-terminal.js', 'kiosk', '--data-dir', '/d', '--browser', '/usr/bin/chromium']);
    } finally {
      rmSync(releases, { recursive: true, force: true });
    }
  });

  it('the shell starts the launcher again with its own words intact and how the browser ended', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcp-window-shell-'));
    try {
      const browser = join(dir, 'browser');
      writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$@" > '${dir}/browser-args'\nexit 3\n`, { mode: 0o755 });
      const launcher = join(dir, 'launcher');
      writeFileSync(launcher, `#!/bin/sh\nfor a do printf '[%s]' "$a"; done > '${dir}/launcher-args'\n`, { mode: 0o755 });
      const words = [launcher, 'kiosk', '--data-dir', "/d with 'quotes' and\na newline", '--browser', '-e', '$(id)', '*'];
      const [sh, ...argv] = windowShellArgv(words, { openedAt: 7, delayMs: 2000, crashes: [1, 2] }, browser, ['--kiosk', '--app=x y']);
      const run = spawnSync(sh ?? '/bin/sh', argv, { encoding: 'utf8', timeout: 20_000 });
      expect(run.status).toBe(0);
      expect(readFileSync(join(dir, 'browser-args'), 'utf8')).toBe('--kiosk\n--app=x y\n');
      const expected = [...words.slice(1), '--opened-at', '7', '--pace', '2000', '--crashes', '1,2', '--ended', '3'];
      expect(readFileSync(join(dir, 'launcher-args'), 'utf8')).toBe(expected.map((w) => `[${w}]`).join(''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
