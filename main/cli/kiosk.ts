import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kioskDirOf, readLaunchPage } from '../host/kiosk-pass.js';
import { parseCommandArgs, UsageError } from './args.js';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const WAIT_MS = 180_000;

/**
 * `hcp-terminal kiosk`: the kiosk window's launcher (the autostart entry runs it). Waits until the terminal answers
 * and has written its launch page, then opens Chromium in kiosk mode on that page, so the screen never shows a
 * browser's "site can't be reached". The page is in the kiosk group's folder beside the data directory where root made
 * one (the kiosk window is another user's: the package), else in the data directory (the terminal's own user).
 */
export async function kiosk(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, browser: { type: 'string' } }, ['data-dir']);
  const shared = kioskDirOf(a.required('data-dir'));
  const launch = existsSync(shared) ? join(shared, 'launch.html') : join(a.required('data-dir'), 'kiosk', 'launch.html');
  const browser = a.string('browser') ?? BROWSERS.find((b) => existsSync(b));
  if (!browser) throw new UsageError('no Chromium found; install the chromium package or give --browser');
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    // Waiting would not help a user the pass is not for: say so at once, rather than after 180 s.
    const refused = notReadable(launch);
    if (refused) {
      process.stderr.write(`hcp-terminal: ${refused}\n`);
      return 1;
    }
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

/** Why this user may not read the launch page (not in the folder's group), or null (readable, or not there yet). */
function notReadable(launch: string): string | null {
  try {
    accessSync(launch, constants.R_OK);
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') return null;
  }
  const dir = dirname(launch);
  const me = userInfo().username;
  try {
    const st = statSync(dir);
    if (st.mode & 0o040) {
      const group = spawnSync('getent', ['group', String(st.gid)], { encoding: 'utf8' }).stdout.split(':')[0] || `group ${String(st.gid)}`;
      return `${me} may not read the kiosk pass in ${dir}: it is for the members of ${group} (sudo adduser ${me} ${group}, then log in again)`;
    }
  } catch {
    // The folder itself is out of reach (the data directory's own): only the terminal's user can read it.
  }
  return `${me} may not read the kiosk pass in ${dir}: only the terminal's own user can (docs/packaging.md, "The kiosk window")`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}
