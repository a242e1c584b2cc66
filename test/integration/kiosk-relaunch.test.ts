import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kioskBrowserArgs } from '../../main/cli/kiosk.js';
import { launcherAt } from '../../main/cli/kiosk-launcher-record.js';
import { tempDir } from '../helpers/fixtures.js';
import { BIN } from '../helpers/process.js';
import { until } from '../helpers/until.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A stand-in terminal: answers the launcher's health check, with the launch page the launcher opens; and a scratch
 * folder for the test's browser and the desktop user's config.
 */
async function standInTerminal(): Promise<{ dataDir: string; launchUrl: string; scratch: string }> {
  const server: Server = createServer((req, res) => res.writeHead(req.url === '/api/v1/health' ? 200 : 404).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const data = tempDir();
  cleanups.push(data.cleanup);
  mkdirSync(join(data.path, 'kiosk'));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
  writeFileSync(join(data.path, 'kiosk', 'launch.html'), `<form method="post" action="${url}kiosk/claim"></form>`);
  const scratch = tempDir();
  cleanups.push(scratch.cleanup);
  return { dataDir: data.path, launchUrl: `file://${join(data.path, 'kiosk', 'launch.html')}`, scratch: scratch.path };
}

/**
 * A stand-in for Chromium: writes its pid and each start's arguments (one a line, a blank line after), then kills
 * itself with SIGKILL (as the OOM killer would) the first `crashes` times; after that it exits cleanly, or with
 * `stays` waits to be closed.
 */
function fakeBrowser(dir: string, crashes: number, stays: boolean | 'deaf' = false) {
  const path = join(dir, 'browser.sh');
  const starts = join(dir, 'starts');
  const count = join(dir, 'count');
  writeFileSync(
    path,
    `#!/bin/bash
echo $$ > '${dir}/pid'
echo $$ >> '${dir}/pids'
for a in "$@"; do printf '%s\\n' "$a"; done >> '${starts}'
echo >> '${starts}'
n=$(( $(cat '${count}' 2>/dev/null || echo 0) + 1 )); echo $n > '${count}'
if [ $n -le ${String(crashes)} ]; then kill -9 $$; fi
${stays === 'deaf' ? "trap '' TERM; sleep 600" : stays ? 'exec sleep 600' : 'exit 0'}
`,
    { mode: 0o755 },
  );
  return {
    path,
    /** Each start's arguments. */
    starts: () =>
      existsSync(starts)
        ? readFileSync(starts, 'utf8')
            .split('\n\n')
            .filter(Boolean)
            .map((s) => s.split('\n'))
        : [],
    pid: () => Number(readFileSync(join(dir, 'pid'), 'utf8')),
    /** Every start's pid. */
    pids: () => (existsSync(join(dir, 'pids')) ? readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number) : []),
  };
}

/** `hcp-terminal kiosk`, in a session whose display is `display` (none named: one the launcher cannot check). */
function launcher(dataDir: string, browser: string, config: string, display: NodeJS.ProcessEnv = {}) {
  const { DISPLAY: _x, WAYLAND_DISPLAY: _w, ...env } = process.env;
  const proc = spawn(process.execPath, [BIN, 'kiosk', '--data-dir', dataDir, '--browser', browser], {
    env: { ...env, ...display, XDG_CONFIG_HOME: config },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, exited, stderr: () => stderr };
}

describe('hcp-terminal kiosk as the window’s supervisor (real processes)', { timeout: 60_000 }, () => {
  it('opens a browser killed by a signal again with the same kiosk switches, and ends when it exits cleanly', async () => {
    const { dataDir, launchUrl, scratch } = await standInTerminal();
    const browser = fakeBrowser(scratch, 2);
    const k = launcher(dataDir, browser.path, scratch);
    expect(await k.exited).toBe(0);
    const starts = browser.starts();
    expect(starts).toHaveLength(3);
    const profile = join(scratch, 'hcp-terminal', 'kiosk-browser');
    for (const args of starts) expect(args).toEqual(kioskBrowserArgs(launchUrl, profile));
    expect(k.stderr()).toContain('the kiosk browser was killed by SIGKILL');
    expect(k.stderr()).toContain('not opened again');
  });

  it('closes the browser and ends when the session ends (SIGTERM)', async () => {
    const { dataDir, scratch } = await standInTerminal();
    const browser = fakeBrowser(scratch, 1, true);
    const k = launcher(dataDir, browser.path, scratch);
    await until(
      () => browser.starts().length,
      (n) => n === 2,
      30_000,
      'the browser opened again after its crash',
    );
    const pid = browser.pid();
    k.proc.kill('SIGTERM');
    expect(await k.exited).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(browser.starts()).toHaveLength(2);
  });

  it('keeps no Node process beside the window: the launcher becomes the window’s shell, still the profile’s launcher', async () => {
    const { dataDir, scratch } = await standInTerminal();
    const browser = fakeBrowser(scratch, 0, true);
    const k = launcher(dataDir, browser.path, scratch);
    cleanups.push(async () => {
      k.proc.kill('SIGTERM');
      await k.exited;
    });
    await until(browser.pids, (p) => p.length === 1, 30_000, 'the browser');
    const pid = k.proc.pid ?? 0;
    // The same pid: what the session signals at logout, and what the profile's record names.
    expect(readlinkSync(`/proc/${String(pid)}/exe`)).not.toMatch(/node/);
    expect(launcherAt(pid)).not.toBeNull();
    const record: unknown = JSON.parse(readFileSync(join(scratch, 'hcp-terminal', 'kiosk-browser', 'hcp-launcher.json'), 'utf8'));
    expect(record).toEqual(launcherAt(pid));
  });

  it('kills a browser that does not close when the session ends, 5 s after asking', async () => {
    const { dataDir, scratch } = await standInTerminal();
    const browser = fakeBrowser(scratch, 0, 'deaf');
    const k = launcher(dataDir, browser.path, scratch);
    await until(browser.pids, (p) => p.length === 1, 30_000, 'the browser');
    // Its trap set before the launcher is asked to end.
    await until(() => ignores(browser.pid(), 'SIGTERM'), Boolean, 10_000, 'the browser ignoring SIGTERM');
    k.proc.kill('SIGTERM');
    expect(await k.exited).toBe(0);
    await until(
      () => alive(browser.pid()),
      (a) => !a,
      15_000,
      'the deaf browser killed',
    );
    expect(browser.starts()).toHaveLength(1);
    // Killed by the grace's end, not at once: only then is it said.
    expect(k.stderr()).toContain('the kiosk browser did not close within 5 s; killed');
  });

  it('tries a browser that cannot be started again, and says why', async () => {
    const { dataDir, scratch } = await standInTerminal();
    const k = launcher(dataDir, join(scratch, 'no-such-browser'), scratch);
    await until(k.stderr, (e) => e.includes('opening the window again in 2 s'), 30_000, 'a second try');
    expect(k.stderr()).toMatch(/the kiosk browser could not be started \(the browser was not found\) after [\d.]+ s; opening the window again in 1 s/);
  });

  it('a second launcher for the same profile (the next login’s) ends the first, and one browser runs', async () => {
    const { dataDir, scratch } = await standInTerminal();
    const browser = fakeBrowser(scratch, 0, true);
    // The desktop session ended without a word to its launcher (KillUserProcesses=no): it and its window live on.
    const left = launcher(dataDir, browser.path, scratch);
    await until(browser.pids, (p) => p.length === 1, 30_000, 'the first launcher’s browser');
    const next = launcher(dataDir, browser.path, scratch);
    // Its browser closed with it (the cleanup below would only SIGKILL the launcher).
    cleanups.push(async () => {
      next.proc.kill('SIGTERM');
      await next.exited;
    });
    expect(await left.exited).toBe(0);
    await until(browser.pids, (p) => p.length === 2, 30_000, 'the second launcher’s browser');
    const [first, second] = browser.pids();
    expect(alive(first ?? 0)).toBe(false);
    expect(alive(second ?? 0)).toBe(true);
    expect(next.stderr()).toMatch(/another kiosk launcher \(pid \d+\) still runs for this profile, from an earlier session: ending it/);
    expect(next.proc.exitCode).toBeNull();
  });

  it('ends, opening nothing again, when its browser crashes after the display went (the session ended)', async () => {
    const { dataDir, scratch } = await standInTerminal();
    // The session's display: a Wayland compositor's socket in the runtime folder.
    const compositor = createNetServer();
    await new Promise<void>((resolve) => compositor.listen(join(scratch, 'wayland-9'), resolve));
    const browser = fakeBrowser(scratch, 1, true);
    const k = launcher(dataDir, browser.path, scratch, { XDG_RUNTIME_DIR: scratch, WAYLAND_DISPLAY: 'wayland-9' });
    await until(browser.pids, (p) => p.length === 2, 30_000, 'the browser opened again while the display was there');
    await new Promise<void>((resolve) => compositor.close(() => resolve()));
    process.kill(browser.pid(), 'SIGKILL');
    expect(await k.exited).toBe(0);
    expect(k.stderr()).toContain('the display is gone (the desktop session ended): not opening the kiosk window again');
    expect(browser.pids()).toHaveLength(2);
  });
});

/** Whether process `pid` ignores `signal` (/proc's SigIgn mask). */
function ignores(pid: number, signal: NodeJS.Signals): boolean {
  const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1];
  return mask !== undefined && (BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) % 2n === 1n;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
