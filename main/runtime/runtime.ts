import type { Database } from 'better-sqlite3';
import type { SyncEngine } from '../../sync/engine.js';
import type { Dialect, PageSource, UpdateAnnouncement } from '../../sync/province/adapter.js';
import { realTimers, type Clock } from '../core/clock.js';
import type { TerminalConfig } from '../core/config.js';
import type { Terminal } from '../core/terminal.js';
import { createDevices, type DeviceOptions } from '../devices/devices.js';
import type { Log } from '../log/logger.js';
import { loadConfig, loadProvisioning } from '../provisioning/apply.js';
import { DEMO_BADGE, type DemoSurface } from '../provisioning/demo.js';
import { provinceSecretSealed } from '../provisioning/province-schema.js';
import type { ProvisioningFile, StoredProvisioning } from '../provisioning/schema.js';
import type { TlsFiles } from '../provisioning/tls.js';
import { KeySealer, pinHasher, type SecretSealer } from '../provisioning/secrets.js';
import { fileSealer } from './file-sealer.js';
import { startDemoProvince, withProvince } from './demo-province.js';
import { auditExceptions } from './security-exceptions.js';
import { ensureWritableDir, openDatabase } from '../store/database.js';
import { DataDirError } from '../store/errors.js';
import { DataDirLock } from '../store/lock.js';
import { MetaStore } from '../store/meta.js';
import { auditLog } from '../store/audit-log.js';
import { META_PROVINCE_CONFIG } from '../store/sync-memory.js';
import { technicianLocks } from '../store/technician-locks.js';
import { scheduleHousekeeping } from './housekeeping.js';
import { provisionAtStart } from './start-provisioning.js';
import { reportDatabase } from './database-report.js';
import { diagnosticsSource } from './diagnostics.js';
import { storedOfflineConfig, TechnicianWorkbench } from './technician-workbench.js';
import { DEFAULT_USB_ROOTS } from './usb-drive.js';
import { softwareVersion } from './version.js';
import { updateWiring } from './update-wiring.js';
import { provinceNetwork } from './province-network.js';
import { pageNetworkOf } from './page-network.js';
import { softwareStatus } from '../update/status.js';
import { hallOpen } from '../bridge/hall-hours.js';
import { syncTuningFromEnv } from './environment.js';
import { identityProtector, META_DATA_KEY, META_PIN_PEPPER, sealedRandomKey } from './identity.js';
import type { IntentExtras } from './intents.js';
import { intentExtrasOf } from './intent-extras.js';
import { linkTerminalToProvince, provinceEngine } from './province-link.js';
import { createTerminal, databaseStorage } from './terminal-factory.js';
import { backgroundStart } from './background-start.js';
import { startPageHost, type PageHost } from '../page/page-host.js';

export interface RuntimeOptions {
  dataDir: string;
  /** A provisioning file already read and validated (readProvisioningFile), applied before anything starts. */
  provisioningFile?: ProvisioningFile | null | undefined;
  demo?: boolean | undefined;
  /** The demo province's dialect (`serve --demo --dialect`); hcp-json when absent. */
  demoDialect?: Dialect | undefined;
  /** How the demo hall rates (`serve --demo --surface`); the terminal's own screen when absent. */
  demoSurface?: DemoSurface | undefined;
  log: Log;
  /** Electron passes a `safeStorage` sealer; headless terminals use a key file. */
  sealer?: SecretSealer | undefined;
  clock?: Clock | undefined;
  /** The quiet spell's full collection (idle-collection.ts); V8's own when absent, none with null. */
  collect?: (() => void) | null | undefined;
  devices?: DeviceOptions | undefined;
  /** Build the terminal without starting devices, uploads or the demo province (`provision`). */
  passive?: boolean | undefined;
  /** Where USB drives are mounted (`--usb-root`); the Debian-family defaults otherwise. */
  usbRoots?: readonly string[] | undefined;
  /** Starts the terminal again in this process (the technician's "restart" and applied provisioning), back in technician mode when it was. */
  restart?: ((o: { technician: boolean }) => void) | undefined;
  /** Closes the kiosk window, where the shell can (Electron). */
  exitKiosk?: (() => void) | undefined;
  /** Open technician mode at once: this start follows the technician's own restart. */
  resumeTechnician?: boolean | undefined;
  /** The start after a technician's change failed: put the provisioning from before that change back first. */
  rollbackProvisioning?: boolean | undefined;
  /**
   * Leave the province's traffic (uploads, config poll, heartbeat, retention purge) to `startBackground()`: `serve`
   * calls it after its ready line, so that on a half-a-core kiosk none of it comes before (docs/performance.md).
   * Ratings are durable in the outbox either way; the uploads only begin a moment later.
   */
  backgroundLater?: boolean | undefined;
  /** The launcher's releases folder; HCP_RELEASES_DIR (set by the launcher for its child) when absent. */
  releasesDir?: string | undefined;
  /** Page mode's province calls instead of the adapter's (tests, with a page server of their own). */
  pageSource?: PageSource | undefined;
}

export interface Runtime {
  terminal: Terminal;
  intentExtras: IntentExtras;
  db: Database;
  provisioning: StoredProvisioning | null;
  /** The local API bearer token, or null while unprovisioned (then every protected route answers 401). */
  apiToken: string | null;
  /** The local API's certificate and opened key, when it serves HTTPS on the hall LAN. */
  apiTls: TlsFiles | null;
  /** Diagnostics' "resend": dead-letter records go to the province again. */
  resendDeadLetters(): number;
  /** Starts the province's traffic where `backgroundLater` held it back; does nothing otherwise, twice, or once closed. */
  startBackground(): void;
  /** The database failed its integrity check at this start and was salvaged into a new file (not a healthy start). */
  databaseRecovered: boolean;
  /** Page mode (province-page.md, main/page): null while unprovisioned. */
  page: PageHost | null;
  close(): Promise<void>;
}

/**
 * The composition root both shells share: lock, database, provisioning, secrets, devices, sync and the core.
 * Throws DataDirError (exit 3); callers validate the provisioning file first, so a bad one changes nothing.
 */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const file = opts.provisioningFile ?? null;
  ensureWritableDir(opts.dataDir);
  const lock = DataDirLock.acquire(opts.dataDir);
  let db: Database | null = null;
  let sim: { url: string; pageOrigin: string; close: () => Promise<void> } | null = null;
  // The applied file's fingerprint, written once its scrypt is done: awaited before the database closes.
  let fingerprinting: Promise<void> = Promise.resolve();
  try {
    const opened = openDatabase(opts.dataDir);
    db = opened.db;
    const database = db;
    reportDatabase(database, opened, opts.log);
    const meta = new MetaStore(db);
    const sealer = opts.sealer ?? fileSealer(opts.dataDir, meta, Boolean(file || opts.demo));
    const unsealable = () => new DataDirError('sealed secrets cannot be opened with this machine’s key; provision the terminal again', 'sealing-key');
    const key = (name: string) => sealedRandomKey(meta, name, sealer).catch(() => Promise.reject(unsealable()));
    const pins = pinHasher((await key(META_PIN_PEPPER)) ?? Buffer.alloc(0));
    const { freshDemo } = await provisionAtStart({ ...opts, database, meta, sealer, pins, file, fingerprinting: (written) => void (fingerprinting = written) });
    const provisioning = loadProvisioning(meta) ?? null;
    const open = (sealed: string) => sealer.open(sealed).catch(() => Promise.reject(unsealable()));
    const apiToken = provisioning ? await open(provisioning.localApi.tokenSealed) : null;
    const appSecret = provisioning ? await open(provinceSecretSealed(provisioning.province)) : '';
    const tls = provisioning?.localApi.tls;
    const apiTls = tls ? { cert: tls.cert, key: await open(tls.keySealed) } : null;
    if (provisioning) auditExceptions(provisioning, opts.log);
    const { transport, settings: network, form: networkForm } = await provinceNetwork(provisioning, open, opts.log);
    const releasesDir = opts.releasesDir ?? process.env['HCP_RELEASES_DIR'];
    const nameSealer = new KeySealer((await key(META_DATA_KEY)) ?? Buffer.alloc(0));
    // The demo's province is a simulator started here, on a port of its own, serving the demo hall's config.
    sim = provisioning?.demo && opts.demo && !opts.passive ? await startDemoProvince(appSecret, provisioning) : null;
    // The province as it really is now: a demo's simulator's address and page origin, not the stored placeholder.
    const live = sim && provisioning ? withProvince(provisioning, sim) : provisioning;
    let devicesStatus: () => Record<string, unknown> = () => ({});
    let terminalState: () => string = () => 'starting';
    let invitations: () => object = () => ({});
    let onUpdate: (u: UpdateAnnouncement) => void = () => undefined;
    const startedAt = Date.now();
    const sync: SyncEngine<TerminalConfig> | null = provisioning
      ? provinceEngine({
          db,
          meta,
          provisioning: live ?? provisioning,
          appSecret,
          nameSealer,
          tuning: syncTuningFromEnv(),
          devices: () => devicesStatus(),
          state: () => terminalState(),
          invitations: () => invitations(),
          software: () => softwareStatus(softwareVersion(), releasesDir),
          onUpdate: (u) => onUpdate(u),
          log: opts.log,
          fetch: transport.fetch,
        })
      : null;
    const clock = opts.clock ?? (sync ? realTimers(sync.now, sync.clockKnown) : realTimers(Date.now, () => false));
    const devices = provisioning ? createDevices(provisioning.devices, opts.log, () => clock.now(), opts.devices) : null;
    if (devices) devicesStatus = () => devices.status();
    const audit = auditLog(db, () => clock.now());
    let refresh: () => void = () => undefined;
    let inside = () => false;
    let staffName: () => string | null = () => null;
    // An install restarts the terminal: never under a citizen (no one logged in, or the hall closed).
    let idle: () => boolean = () => false;
    const {
      updates,
      trialMinutes,
      workbench: workbenchUpdates,
    } = updateWiring({
      provisioning,
      dataDir: opts.dataDir,
      releasesDir,
      idle: () => idle(),
      staff: () => staffName(),
      log: opts.log,
      fetch: transport.fetch,
    });
    const workbench = new TechnicianWorkbench({
      dataDir: opts.dataDir,
      usbRoots: opts.usbRoots ?? DEFAULT_USB_ROOTS,
      db,
      meta,
      sealer,
      pins,
      provisioning,
      base: provisioning
        ? { dialect: provisioning.province.dialect, appSecret, token: apiToken ?? '', tls: apiTls, offlineConfig: storedOfflineConfig(meta), ...networkForm }
        : null,
      audit,
      devices,
      notifySync: () => sync?.notify(),
      log: opts.log,
      now: () => clock.now(),
      restart: opts.restart,
      exitKiosk: opts.exitKiosk,
      refresh: () => refresh(),
      technicianInside: () => inside(),
      updates: workbenchUpdates,
    });
    const diagnostics = diagnosticsSource({
      db,
      sync,
      provisioning,
      version: softwareVersion(),
      startedAt,
      now: () => clock.now(),
      releasesDir,
      trialMinutes,
      page: () => pageHost?.page.counts ?? null,
    });
    const terminal = createTerminal(db, meta, {
      clock,
      audit,
      diagnostics: diagnostics.snapshot,
      setup: () => workbench.setup(),
      technician: { pinHash: provisioning?.technicianPinHash ?? null, badgeIds: provisioning?.technicianBadgeIds ?? [], locks: technicianLocks(meta) },
      identity: identityProtector(nameSealer, provisioning?.province.sm2PublicKey),
      links: sync ?? { sessionLink: () => Promise.resolve('') },
      ...(sync ? { sync } : {}),
      where: provisioning?.terminal ?? null,
      config: loadConfig(meta, META_PROVINCE_CONFIG),
      staffPinHashes: provisioning?.staffPinHashes ?? {},
      verifyPin: (pin, hash) => pins.verify(pin, hash),
      ...(devices?.keypadPort ? { keypad: devices.keypadPort } : {}),
      voice: provisioning?.voice ?? 'on',
      // A window with a physical keypad is 政务大厅其他终端 (pf 5); a touch screen alone, 平板电脑 (pf 4).
      channel: provisioning && ['serial', 'hid'].includes(provisioning.devices.keypad.type) ? '5' : '4',
      ...(devices ? { devices } : {}),
      // A database that refused a trial record at start stops invitations instead of failing every rating (issue 24).
      storage: databaseStorage(db, opened.appendRefused),
      log: opts.log,
    });
    const pageHost = live
      ? startPageHost({
          terminal,
          provisioning: live,
          source: opts.pageSource ?? sync?.page ?? null,
          surface: () => loadConfig(meta, META_PROVINCE_CONFIG).rating.surface,
          clock,
          audit,
          log: opts.log,
          fetch: transport.fetch,
          network: pageNetworkOf(network),
        })
      : null;
    terminalState = () => terminal.state();
    invitations = () => terminal.status().invitations;
    refresh = () => terminal.refreshView();
    inside = () => terminal.serviced;
    staffName = () => terminal.currentStaff()?.name ?? null;
    idle = () => terminal.currentStaff() === null || !hallOpen(clock.now(), loadConfig(meta, META_PROVINCE_CONFIG).hallHours);
    if (updates) onUpdate = (u) => updates.announce(u);
    terminal.onEvent((e) => {
      if (e.type === 'maintenance.start') void workbench.rescan().catch((err: unknown) => opts.log.warn({ err }, 'technician rescan failed'));
    });
    devices?.onInput((source, what) => terminal.serviced && workbench.noteInput(source, what));
    const stopHousekeeping = scheduleHousekeeping({ clock, db, terminal, audit, log: opts.log, collect: opts.collect });
    if (sync) linkTerminalToProvince(terminal, sync, opts.log);
    const background = backgroundStart({ passive: opts.passive === true, sync, db: opened.db, log: opts.log });
    const startBackground = background.start;
    if (!opts.passive) devices?.attach(terminal);
    if (!opts.backgroundLater) startBackground();
    const province = sim;
    // A new demo opens on the Serving screen: someone trying it out has no badge to tap.
    if (freshDemo) terminal.loginByBadge(DEMO_BADGE);
    if (opts.resumeTechnician) terminal.technicianResume();
    return {
      terminal,
      intentExtras: intentExtrasOf({ terminal, devices, sync, audit, diagnostics, workbench, pageHost }),
      db,
      provisioning: live,
      apiToken,
      apiTls,
      resendDeadLetters: () => sync?.resendDeadLetters() ?? 0,
      startBackground,
      databaseRecovered: opened.recoveredFrom !== null,
      page: pageHost,
      async close() {
        pageHost?.close();
        background.stop();
        stopHousekeeping();
        terminal.close();
        await sync?.stop();
        await devices?.stop().catch((err: unknown) => opts.log.warn({ err }, 'devices did not stop cleanly'));
        await province?.close();
        await fingerprinting;
        if (database.open) database.close();
        lock.release();
      },
    };
  } catch (err) {
    await sim?.close();
    await fingerprinting;
    if (db?.open) db.close();
    lock.release();
    throw err;
  }
}
