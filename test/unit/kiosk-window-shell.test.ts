import { describe, expect, it } from 'vitest';
import { launcherCommand } from '../../main/cli/kiosk.js';
import { endOfStatus, openingArgs, parseOpening } from '../../main/cli/kiosk-window-shell.js';

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
    const fromCheckout = launcherCommand('/d', '/usr/bin/chromium', '/opt/hcp/bin/hcp-terminal.js');
    expect(fromCheckout.slice(-6)).toEqual(['/opt/hcp/bin/hcp-terminal.js', 'kiosk', '--data-dir', '/d', '--browser', '/usr/bin/chromium']);
    expect(fromCheckout[0]).toBe(process.execPath);
  });
});
