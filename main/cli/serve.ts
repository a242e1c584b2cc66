import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHost, type RunningHost } from '../host/host.js';
import { installCrashHandlers } from '../log/crash-handler.js';
import { createLogger, type Log } from '../log/logger.js';
import { ProvisioningError, readProvisioningFile } from '../provisioning/apply.js';
import type { ProvisioningFile } from '../provisioning/schema.js';
import { startRuntime, type Runtime } from '../runtime/runtime.js';
import { ensureWritableDir } from '../store/database.js';
import { DataDirError } from '../store/errors.js';
import { parseCommandArgs, portArg, StartupError, UsageError } from './args.js';
import { runLauncher } from '../update/launcher.js';
import { healthDeadlineMillis, trialMillis } from '../update/trial-length.js';
import { HEALTH_EVENT } from '../update/health.js';
import { readUpdateSettings } from '../provisioning/update-settings.js';
import { readDatabaseSchema } from '../store/schema-info.js';
import { testHooks } from '../util/test-hooks.js';

/** The launcher: `serve`'s arguments go to each start of the current release, without the launcher's own options. */
function launch(releasesDir: string, dataDir: string, argv: string[], log: Log, kiosk: boolean): Promise<number> {
  const serveArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--releases-dir') i++;
    else if (!arg.startsWith('--releases-dir=') && arg !== '--kiosk') serveArgs.push(arg);
  }
  const settings = () => readUpdateSettings(dataDir);
  return runLauncher({
    releasesDir: resolve(releasesDir),
    serveArgs,
    log: log.child({ component: 'launcher' }),
    database: () => readDatabaseSchema(dataDir),
    trialMs: () => trialMillis(settings()),
    healthMs: () => healthDeadlineMillis(settings()),
    kiosk,
  });
}

/**
 * Under a launcher (HCP_LAUNCHER_HEALTH=1, set by it), what the launcher's health check needs that only this process
 * sees: whether the database passed its check at this start, and whether the kiosk's own page has connected. One JSON
 * line on standard output each time that changes, which the launcher reads and never passes on. Run by hand, `serve`
 * prints only its ready line (terminal-cli.md).
 */
function healthReporter(): { database: (recovered: boolean) => void; kioskPage: () => void } | null {
  if (process.env['HCP_LAUNCHER_HEALTH'] !== '1') return null;
  const facts: { database: 'passed' | 'recovered' | null; kiosk: boolean } = { database: null, kiosk: false };
  const say = () => {
    if (facts.database !== null) process.stdout.write(JSON.stringify({ event: HEALTH_EVENT, database: facts.database, kiosk: facts.kiosk }) + '\n');
  };
  return {
    database(recovered) {
      facts.database = recovered ? 'recovered' : 'passed';
      say();
    },
    kioskPage() {
      if (facts.kiosk) return;
      facts.kiosk = true;
      say();
    },
  };
}

const here = dirname(fileURLToPath(import.meta.url));
export const UI_DIR = join(here, '..', '..', 'renderer');

/** How one run of the terminal ended: stopped, or restarted (with the technician kept in, or not). */
type Ending = 'stop' | 'restart' | 'restart-technician';

/**
 * `serve` under systemd: a start-up failure must end with an exit code of terminal-cli.md and one line saying why,
 * never 1 and a stack trace (Restart= would loop on it with nothing a technician can read).
 */
export async function serve(argv: string[]): Promise<number> {
  try {
    return await serveUntilStopped(argv);
  } catch (err) {
    throw startupFailure(err);
  }
}

/** The spec's exit code for a failure: arguments and the port are the caller's to fix (2), everything else is the terminal's storage (3). */
export function startupFailure(err: unknown): unknown {
  if (err instanceof UsageError || err instanceof ProvisioningError || err instanceof DataDirError || err instanceof StartupError) return err;
  const e = err instanceof Error ? (err as NodeJS.ErrnoException) : null;
  const message = e ? e.message : String(err);
  if (e?.syscall === 'listen' || e?.code === 'EADDRINUSE' || e?.code === 'EADDRNOTAVAIL') {
    return new StartupError(`cannot listen for the local API: ${message} (choose another --port, or stop what holds it)`, 2);
  }
  return new StartupError(`the terminal could not start: ${message}`, 3);
}

async function serveUntilStopped(argv: string[]): Promise<number> {
  const a = parseCommandArgs(
    argv,
    {
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      port: { type: 'string' },
      demo: { type: 'boolean' },
      dialect: { type: 'string' },
      surface: { type: 'string' },
      'usb-root': { type: 'string' },
      'releases-dir': { type: 'string' },
      kiosk: { type: 'boolean' },
    },
    ['data-dir'],
  );
  const releasesDir = a.string('releases-dir');
  const dataDir = a.required('data-dir');
  const port = portArg(a.string('port'));
  const config = a.string('config');
  const usbRoot = a.string('usb-root');
  const dialect = a.string('dialect');
  if (dialect !== undefined && dialect !== 'hcp-json' && dialect !== 'gov-form')
    throw new UsageError(`--dialect must be hcp-json or gov-form, not "${dialect}"`);
  if (dialect !== undefined && !a.flag('demo'))
    throw new UsageError('--dialect chooses the demo province’s dialect: use it with --demo (a real terminal’s dialect is in its provisioning file)');
  const surface = a.string('surface');
  if (surface !== undefined && surface !== 'terminal' && surface !== 'province-page')
    throw new UsageError(`--surface must be terminal or province-page, not "${surface}"`);
  if (surface !== undefined && !a.flag('demo'))
    throw new UsageError('--surface chooses how the demo hall rates: use it with --demo (a real terminal’s is its rating policy)');
  // Validate everything before touching the directory: a bad file or argument changes nothing.
  const provisioningFile = config ? readProvisioningFile(config) : null;
  ensureWritableDir(dataDir);
  const log = createLogger(dataDir);
  // With releases, this process is the launcher: it runs `current` as a child and judges its trial from outside.
  if (releasesDir) return launch(releasesDir, dataDir, argv, log, a.flag('kiosk'));
  if (a.flag('kiosk')) log.info({}, '--kiosk is for the launcher (with --releases-dir): without it nothing is on trial');
  const health = healthReporter();
  if (testHooks().crashAtStart) throw new Error('test hook: this release crashes at start (test-hooks.json)');
  installCrashHandlers(log);

  let ending: (why: Ending) => void = () => undefined;
  let stopping = false;
  // A signal can arrive while a restart closes the old terminal; read it through a call, after the await.
  const isStopping = () => stopping;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    ending('stop');
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  // The technician's restart (and applied provisioning) starts the terminal again in this process, on the same
  // port, so the kiosk page reconnects by itself and nothing outside has to notice.
  let boundPort = port;
  let resumeTechnician = false;
  for (let round = 0; ; round++) {
    const ended = new Promise<Ending>((resolve) => (ending = resolve));
    const once = (rollback: boolean) =>
      startOnce({
        dataDir,
        log,
        provisioningFile: round === 0 ? provisioningFile : null,
        demo: a.flag('demo'),
        demoDialect: dialect,
        demoSurface: surface,
        port: boundPort,
        usbRoots: usbRoot ? [usbRoot] : undefined,
        resumeTechnician,
        rollback,
        restart: (o) => ending(o.technician ? 'restart-technician' : 'restart'),
        onKioskPage: () => health?.kioskPage(),
      });
    // A technician's change that keeps the terminal from starting (a port in use, say) is undone, once.
    const { host, close, runtime, databaseRecovered } =
      round === 0
        ? await once(false)
        : await once(false).catch((err: unknown) => {
            log.error({ err }, 'the terminal did not start again after a technician’s change');
            return once(true);
          });
    if (round === 0) {
      process.stdout.write(JSON.stringify({ event: 'ready', ui: host.uiUrl, api: host.apiUrl }) + '\n');
      health?.database(databaseRecovered);
      // Port 0 asked for any free port: a restart must come back on the one the kiosk page knows.
      if (port === 0) boundPort = host.port;
    }
    runtime.startBackground();
    const why = await ended;
    await close();
    if (why === 'stop' || isStopping()) break;
    resumeTechnician = why === 'restart-technician';
    log.info({}, 'restarting the terminal in this process');
  }
  log.flush();
  return 0;
}

async function startOnce(o: {
  dataDir: string;
  log: Log;
  provisioningFile: ProvisioningFile | null;
  demo: boolean;
  demoDialect: 'hcp-json' | 'gov-form' | undefined;
  demoSurface: 'terminal' | 'province-page' | undefined;
  port: number | undefined;
  usbRoots: string[] | undefined;
  resumeTechnician: boolean;
  rollback: boolean;
  restart: (o: { technician: boolean }) => void;
  onKioskPage: () => void;
}): Promise<{ host: RunningHost; runtime: Runtime; close: () => Promise<void>; databaseRecovered: boolean }> {
  const runtime = await startRuntime({
    dataDir: o.dataDir,
    provisioningFile: o.provisioningFile,
    demo: o.demo,
    demoDialect: o.demoDialect,
    demoSurface: o.demoSurface,
    log: o.log,
    usbRoots: o.usbRoots,
    restart: o.restart,
    resumeTechnician: o.resumeTechnician,
    rollbackProvisioning: o.rollback,
    backgroundLater: true,
  });
  const prov = runtime.provisioning;
  let host: RunningHost;
  try {
    host = await startHost({
      runtime,
      host: prov?.localApi.host ?? '127.0.0.1',
      port: o.port ?? prov?.localApi.port ?? 8720,
      uiDir: process.env['HCP_UI_DIR'] ?? UI_DIR,
      log: o.log,
      dataDir: o.dataDir,
      tls: runtime.apiTls ?? undefined,
      onKioskPage: o.onKioskPage,
    });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  o.log.info({ ui: host.uiUrl, state: runtime.terminal.state(), terminalId: prov?.terminal.terminalId ?? null }, 'terminal ready');
  return {
    host,
    runtime,
    databaseRecovered: runtime.databaseRecovered,
    close: async () => {
      await host.close().catch((err: unknown) => o.log.error({ err }, 'server close failed'));
      await runtime.close();
    },
  };
}
