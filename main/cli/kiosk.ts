import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kioskDirOf, readLaunchPage } from '../host/kiosk-pass.js';
import { kioskNetworkArgs } from '../host/kiosk-network.js';
import { parseCommandArgs, UsageError } from './args.js';
import { displayPresent } from './display.js';
import { profileRecord, supersededIn, takeOver } from './kiosk-launcher-record.js';
import { firstOpening, heldTimers, reopenWindow, type Opening } from './kiosk-supervisor.js';
import { endOfStatus, execWindow, parseOpening } from './kiosk-window-shell.js';
import { PACKAGE_RELEASES_DIR } from '../update/layout.js';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const WAIT_MS = 180_000;
/** The package's command (packaging/hcp-terminal.sh). */
const PACKAGE_BIN = '/usr/bin/hcp-terminal';

/**
 * `hcp-terminal kiosk`: the kiosk window's launcher (the autostart entry runs it). Waits until the terminal answers
 * and has written its launch page, then opens Chromium in kiosk mode on that page, so the screen never shows a
 * browser's "site can't be reached"; the window's shell then waits for the browser and starts the launcher again if
 * it crashes, to open it again (kiosk-window-shell.ts, kiosk-supervisor.ts). The page is in the kiosk group's folder
 * beside the data directory where root made one (the kiosk window is another user's: the package), else in the data
 * directory (the terminal's own user).
 */
export async function kiosk(argv: string[]): Promise<number> {
  const a = parseCommandArgs(
    argv,
    {
      'data-dir': { type: 'string' },
      browser: { type: 'string' },
      // The window's shell starting the launcher again (kiosk-window-shell.ts): not for people.
      ended: { type: 'string' },
      'opened-at': { type: 'string' },
      pace: { type: 'string' },
      crashes: { type: 'string' },
    },
    ['data-dir'],
  );
  const dataDir = a.required('data-dir');
  const shared = kioskDirOf(dataDir);
  const launch = existsSync(shared) ? join(shared, 'launch.html') : join(dataDir, 'kiosk', 'launch.html');
  const browser = a.string('browser') ?? BROWSERS.find((b) => existsSync(b));
  if (!browser) throw new UsageError('no Chromium found; install the chromium package or give --browser');
  const say = (line: string) => process.stderr.write(`hcp-terminal: ${line}\n`);
  const profile = kioskProfileDir();
  const record = profileRecord(profile, heldTimers, say);
  // The page's proxy and CAs are read at each opening, so what the terminal changed reaches the window when it reopens.
  const open = (opening: Opening) => {
    const args = [...kioskBrowserArgs(pathToFileURL(launch).href, profile), ...kioskNetworkArgs(dirname(launch), say)];
    process.stdout.write(JSON.stringify({ event: 'kiosk', browser }) + '\n');
    execWindow(launcherCommand(dataDir, browser), opening, browser, args);
  };

  const ended = a.string('ended');
  if (ended !== undefined) {
    // The window's shell, after the browser ended: open it again, or not (kiosk-supervisor.ts).
    const last = parseOpening(a.string('opened-at'), a.string('pace'), a.string('crashes'));
    const window = reopenWindow(
      {
        open,
        terminalAnswers: () => terminalAnswers(launch),
        displayPresent: () => displayPresent(),
        superseded: () => supersededIn(record),
        clock: heldTimers,
        say,
      },
      last,
      endOfStatus(ended),
    );
    // The session ending while the launcher waits to reopen ends it.
    const stop = () => window.stop();
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, stop);
    try {
      return (await window.done) ?? 0;
    } finally {
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(signal, stop);
    }
  }

  // One launcher per kiosk profile, the newest: one an ended session left behind is ended before anything else.
  try {
    await takeOver(record);
  } catch (e) {
    // The window still opens: a kiosk without its screen is worse than a second launcher.
    say(`could not record the kiosk launcher in ${profile}: ${(e as Error).message}`);
  }
  let deadline = Date.now() + WAIT_MS;
  for (;;) {
    // Waiting would not help a user the pass is not for: say so at once, rather than after 180 s.
    const refused = notReadable(launch);
    if (refused) {
      say(refused);
      return 1;
    }
    if (await terminalAnswers(launch)) break;
    if (Date.now() > deadline) {
      // Keep waiting: the launcher is the window's only way onto the screen this session (a long start, a migration
      // at half a core), and it says so in the journal every few minutes.
      say(`the terminal has not answered for ${String(WAIT_MS / 1000)} s; still waiting (is the service running?)`);
      deadline = Date.now() + WAIT_MS;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  forgetSiteData(profile);
  try {
    refuseTranslation(profile);
  } catch (e) {
    // The window still opens: a kiosk without its screen is worse, and the page itself says translate="no".
    say(`could not turn off translation in ${profile}: ${(e as Error).message}`);
  }
  // Before the first window only the profile is asked after: the launcher has just taken it over.
  if (supersededIn(record)) {
    say('a newer kiosk launcher took this profile over: not opening the window');
    return 0;
  }
  // This process becomes the window's shell, which starts the launcher again only if the browser ends.
  try {
    open(firstOpening(heldTimers.now()));
  } catch (e) {
    say(`could not open the kiosk window: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}

/**
 * The command that starts this launcher again, for the window's shell. From the package, the package's own
 * `/usr/bin/hcp-terminal`, which picks the release that is good at that moment: a package upgrade while the window is
 * up removes the release folder this launcher ran from.
 */
export function launcherCommand(
  dataDir: string,
  browser: string,
  script = process.argv[1] ?? '',
  packaged = { releases: PACKAGE_RELEASES_DIR, bin: PACKAGE_BIN },
): string[] {
  const words = ['kiosk', '--data-dir', dataDir, '--browser', browser];
  if (script.startsWith(`${packaged.releases}/`) && existsSync(packaged.bin)) return [packaged.bin, ...words];
  return [process.execPath, ...process.execArgv, script, ...words];
}

/**
 * The kiosk window's Chromium switches, each checked against Chromium 156 (`/usr/bin/chromium`) in a real window under
 * Xvfb (test/e2e/kiosk-window.e2e.ts). Chromium ignores a switch it does not know without a word, so a removed one
 * silently stops protecting: `--disable-translate` went years ago, and the translate bubble came back over the header.
 * No switch turns translation off any more (`--disable-features=Translate` still leaves the bubble, measured): the
 * profile's own setting does (refuseTranslation), and the page says `translate="no"` as well.
 */
export function kioskBrowserArgs(launchUrl: string, profile: string): string[] {
  return [
    // Full screen, no way out by the window's own controls.
    '--kiosk',
    // A window without omnibox, tabs or menu, on the launch page that claims the kiosk pass (docs/security.md).
    `--app=${launchUrl}`,
    // A profile of the kiosk's own, whose settings the launcher sets (never the desktop user's everyday browser).
    `--user-data-dir=${profile}`,
    // No welcome tab or import dialog on the first start of a fresh profile.
    '--no-first-run',
    // No error dialogs for a citizen to answer (a crashed plugin or GPU process).
    '--noerrdialogs',
    // No calls home the kiosk does not need: field trials, component and extension updates, sync.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // The screen speaks its prompts (issue 10) before anyone has touched it.
    '--autoplay-policy=no-user-gesture-required',
    // Memory: what brings the whole kiosk (terminal and every Chromium process) towards a 1 GiB board's budget. Each
    // was measured alone on the switches above and left out of this set (PSS within the kiosk after 200 ratings through
    // the page, 1280×800, sandboxed: test/bench/kiosk-memory.perf.ts; docs/performance.md, "The kiosk's memory,
    // whole"). None loosens the sandbox or site isolation: the province's page in page mode still gets a renderer of
    // its own (test/e2e/kiosk-window.e2e.ts). Ones that measured nothing are not here (docs/performance.md).
    // Chromium's mode for low-memory devices: V8 and Blink keep less, no spare renderer. −86 MiB alone, +93 left out.
    '--enable-low-end-device-mode',
    // Software raster and compositing: no GL driver in the GPU process, which stays as a small compositor. −62 / +64 MiB.
    // The screens are flat text and buttons; the half-a-core touch figures were measured with it.
    '--disable-gpu',
    // The network and audio services in the browser process, not a process each. Chromium runs both unsandboxed on
    // Linux (`--service-sandbox-type=none`), so no sandbox is given up; a crash in either now ends the browser (the
    // launcher then opens the window again: kiosk-supervisor.ts).
    // −19 / +26 and −18 / +25 MiB.
    '--enable-features=NetworkServiceInProcess2',
    '--disable-features=AudioServiceOutOfProcess',
    // No on-device AI service: three minutes after its start (the first after each Chromium update) Chromium launches
    // an `on_device_model` utility and a sandbox broker for it to benchmark the machine for built-in AI, and keeps
    // them. About −2 MiB (their PSS reads 12, mostly pages shared with the rest), and no benchmark on half a core. A
    // class given here is taken as measured and nothing is launched; 7 ("GPU blocked") is what Chromium 156 measures
    // for this window (--disable-gpu). Turning features off (LogOnDeviceMetricsOnStartup,
    // OptimizationGuideManifestBroker) does not stop it (docs/performance.md, "The kiosk's memory, third pass").
    '--optimization-guide-performance-class=7',
  ];
}

/**
 * The kiosk browser's profile, in the desktop user's own config folder: the launcher runs as that user, who may not
 * write the terminal's data directory.
 */
export function kioskProfileDir(env: NodeJS.ProcessEnv = process.env): string {
  const config = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(config, 'hcp-terminal', 'kiosk-browser');
}

/**
 * Turns off Chromium's "offer to translate pages" (`translate.enabled`) in the profile before the browser reads it,
 * keeping everything else the profile holds. A translation sends the screen's text (staff names, the service) to an
 * outside service, and the bubble covers the header (docs/security.md).
 */
export function refuseTranslation(profile: string): void {
  const file = join(profile, 'Default', 'Preferences');
  let prefs: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isObject(parsed)) prefs = parsed;
  } catch {
    // None yet, or unreadable: Chromium would start that profile's settings afresh too.
  }
  const translate = isObject(prefs['translate']) ? prefs['translate'] : {};
  if (translate['enabled'] === false) return;
  prefs['translate'] = { ...translate, enabled: false };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.hcp-tmp`, JSON.stringify(prefs), { mode: 0o600 });
  renameSync(`${file}.hcp-tmp`, file);
}

/** What a site can keep in a Chromium profile: cookies, web storage, databases, service workers, files. */
const SITE_DATA = [
  'Cookies',
  'Cookies-journal',
  'Network',
  'Local Storage',
  'Session Storage',
  'IndexedDB',
  'Service Worker',
  'WebStorage',
  'Shared Storage',
  'File System',
  'databases',
  'blob_storage',
];

/**
 * No cookie or storage outlives a boot in the kiosk's browser (province-page.md): the province's page, framed in the
 * kiosk, must not recognise tomorrow's citizen by what it stored today. The launcher runs once a boot, before the
 * browser; the profile keeps only its settings. A part that cannot be removed is said on stderr; the window opens.
 */
export function forgetSiteData(profile: string): void {
  for (const part of SITE_DATA) {
    try {
      rmSync(join(profile, 'Default', part), { recursive: true, force: true });
    } catch (e) {
      process.stderr.write(`hcp-terminal: could not clear ${part} in ${profile}: ${(e as Error).message}\n`);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

/** Whether the terminal has written its launch page and answers at the address it names. */
async function terminalAnswers(launch: string): Promise<boolean> {
  const page = readLaunchPage(launch);
  return page !== null && (await answers(new URL('/api/v1/health', page.claimUrl).href));
}

/**
 * One GET on the loopback, with node:http rather than fetch: the launcher now stays beside the kiosk as its supervisor,
 * and fetch's engine (undici, its HTTP parser compiled from WebAssembly) is not worth keeping loaded for a check made
 * only at a start or a reopening (about 1 MiB of the launcher's heap, measured; docs/performance.md).
 */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const req = httpGet(url, { timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => resolve(false));
    } catch {
      // Not an http: address (the terminal's own page is on the loopback, plain): nothing that answers.
      resolve(false);
    }
  });
}
