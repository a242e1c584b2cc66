import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readLaunchPage } from '../host/kiosk-pass.js';
import { parseCommandArgs, UsageError } from './args.js';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const WAIT_MS = 180_000;

/**
 * `hcp-terminal kiosk`: the kiosk window's launcher (the autostart entry runs it). Waits until the terminal answers
 * and has written its launch page, then opens Chromium in kiosk mode on that page, so the screen never shows a
 * browser's "site can't be reached".
 */
export async function kiosk(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, browser: { type: 'string' } }, ['data-dir']);
  const launch = join(a.required('data-dir'), 'kiosk', 'launch.html');
  const browser = a.string('browser') ?? BROWSERS.find((b) => existsSync(b));
  if (!browser) throw new UsageError('no Chromium found; install the chromium package or give --browser');
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const page = readLaunchPage(launch);
    if (page && (await answers(new URL('/api/v1/health', page.claimUrl).href))) break;
    if (Date.now() > deadline) {
      process.stderr.write(`hcp-terminal: the terminal did not answer within ${String(WAIT_MS / 1000)} s; is the service running?\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const args = [
    '--kiosk',
    `--app=${pathToFileURL(launch).href}`,
    '--no-first-run',
    '--noerrdialogs',
    '--disable-translate',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // The screen speaks its prompts (issue 10) before anyone has touched it.
    '--autoplay-policy=no-user-gesture-required',
  ];
  spawn(browser, args, { stdio: 'ignore', detached: true }).unref();
  process.stdout.write(JSON.stringify({ event: 'kiosk', browser }) + '\n');
  return 0;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}
