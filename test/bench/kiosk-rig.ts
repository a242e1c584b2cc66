import { chromium, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KeypadEmulator } from '../../device-drivers/keypad-serial/emulator.js';
import { SerialTransport } from '../../device-drivers/serial-transport.js';
import { openDatabase } from '../../main/store/database.js';
import { TERMINAL_V8_FLAGS } from '../../main/runtime/v8-flags.js';
import { apiClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';
import { PtyPair } from '../helpers/pty.js';
import { CHROMIUM } from '../e2e/playwright.config.js';
import { benchBrowserArgs } from './kiosk-switches.js';
import { cpuLimit, removeWhenEmpty, type CpuLimit } from './cgroup.js';
import { history } from './history.js';
import { acceptingProvince } from './province.js';

/**
 * One way of running the kiosk: its browser, and the cgroup the terminal and the browser are spawned into (a CPU
 * quota for "half a core"; none at full speed, where the group only lists the kiosk's processes for the memory figure).
 */
export interface Mode {
  name: string;
  limit: CpuLimit | null;
  browser: Browser;
  cleanups: (() => unknown)[];
  /** `HCP_BENCH_PROFILE=<dir>`: the terminal runs with `--cpu-prof` into it, and the page is traced there. */
  profileDir: string | undefined;
}

/** The mode, or why it cannot run here. `quotaUs` null: no limit. */
export async function openMode(name: string, quotaUs: number | null, periodUs: number): Promise<Mode | { skipped: string }> {
  const scratch = tempDir('hcp-cgroup-');
  const limit = cpuLimit(quotaUs ?? -1, periodUs, scratch.path);
  if ('skipped' in limit && quotaUs !== null) {
    scratch.cleanup();
    return limit;
  }
  const group = 'skipped' in limit ? null : limit;
  const browser = await chromium.launch({ executablePath: group ? group.wrapperFor(CHROMIUM) : CHROMIUM, args: benchBrowserArgs() });
  const profileDir = process.env['HCP_BENCH_PROFILE'] ? join(process.env['HCP_BENCH_PROFILE'], name.replace(/\W+/g, '-')) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  return { name, limit: group, browser, cleanups: [scratch.cleanup], profileDir };
}

export async function closeMode(mode: Mode): Promise<void> {
  await mode.browser.close();
  for (const c of mode.cleanups.splice(0).reverse()) await c();
  if (mode.limit) await removeWhenEmpty(mode.limit);
}

export interface Rig {
  terminal: RunningTerminal;
  page: Page;
  emulator: KeypadEmulator;
  keyDir: string;
  args: string[];
  env: Record<string, string>;
  /** Closes the page, stops the terminal and removes its files: a page left open keeps reconnecting, and would
   * take the next figure's CPU inside the group. */
  close(): Promise<void>;
}

export function terminalEnv(mode: Mode, keyDir: string): Record<string, string> {
  const flags = [
    ...TERMINAL_V8_FLAGS,
    ...(mode.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${mode.profileDir}`] : []),
    ...(process.env['HCP_BENCH_TERMINAL_FLAGS'] ?? '').split(' ').filter(Boolean),
  ];
  // As the systemd unit runs it (main/runtime/v8-flags.ts).
  return { HCP_KEY_DIR: keyDir, HCP_LOG_LEVEL: 'warn', NODE_OPTIONS: flags.join(' ') };
}

/** A terminal on a pty keypad with `stored` records of 90 days behind it, and its kiosk page open, staff logged in. */
export async function rig(mode: Mode, stored: number): Promise<Rig> {
  const cleanups: (() => unknown)[] = [];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  mode.cleanups.push(close);
  const dir = tempDir();
  const keys = tempDir('hcp-keys-');
  cleanups.push(dir.cleanup, keys.cleanup);
  const province = await acceptingProvince();
  cleanups.push(province.close);
  const pty = await new PtyPair(dir.path, 'keypad').start();
  cleanups.push(() => pty.stop());
  const data = join(dir.path, 'data');
  mkdirSync(data, { mode: 0o700 });
  const { db } = openDatabase(data);
  history(db, Date.now(), stored);
  db.close();
  const file = writeProvisioning(dir.path, {
    // `HCP_BENCH_PROVINCE=down`: a port nothing listens on, so the uploader backs off and sends nothing during the taps.
    baseUrl: process.env['HCP_BENCH_PROVINCE'] === 'down' ? 'http://127.0.0.1:9' : province.url,
    devices: { keypad: { type: 'serial', path: pty.a, baudRate: 9600, address: 1 }, badge: { type: 'keypad' } },
    rating: { followUp: 'none' },
    // `HCP_BENCH_VOICE=off`: the screen speaks nothing (what the prompts' clips cost a tap).
    ...(process.env['HCP_BENCH_VOICE'] === 'off' ? { voice: 'off' as const } : {}),
  });
  const emulator = new KeypadEmulator(new SerialTransport(pty.b, 9600), {});
  await emulator.start();
  cleanups.push(() => emulator.stop());
  const args = ['--data-dir', data, '--port', '0', '--config', file];
  const env = terminalEnv(mode, keys.path);
  const terminal = await startTerminal(args, env, 60_000, mode.limit?.wrapper);
  cleanups.push(() => terminal.stop());
  const page = await mode.browser.newPage({ bypassCSP: true, viewport: { width: 1280, height: 800 }, hasTouch: true });
  cleanups.push(() => page.close());
  await page.goto(pathToFileURL(join(terminal.dataDir, 'kiosk', 'launch.html')).href);
  await page.waitForURL(terminal.ready.ui);
  await apiClient(terminal.ready.api).post('/staff/login', { badgeId: BADGE });
  await page.waitForSelector('.app[data-state="serving"]', { timeout: 30_000 });
  return { terminal, page, emulator, keyDir: keys.path, args, env, close };
}
