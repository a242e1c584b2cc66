import type { Database } from 'better-sqlite3';
import { listHidDevices, listSerialPorts } from '../../device-drivers/detect.js';
import { testProvinceConnection } from '../../sync/province/connection-test.js';
import { networkView, transportFor } from './province-network.js';
import { PROVISIONING_FIELDS, type DeviceInput, type DetectedPort, type ProvisioningDraft, type TechnicianSetup } from '../bridge/technician.js';
import type { Devices } from '../devices/devices.js';
import type { Log } from '../log/logger.js';
import { keepPreviousProvisioning, META_OFFLINE_CONFIG, parseProvisioningText, prepareProvisioning, storeProvisioning } from '../provisioning/apply.js';
import { checkDraft, describeChanges, formFromFile, formFromStored, type CheckedDraft, type FormBase } from '../provisioning/form.js';
import { provinceAccount, provinceSecretField } from '../provisioning/province-schema.js';
import { probePageFor } from './page-connection-test.js';
import { offlineConfigSchema, type ProvisioningFile, type StoredProvisioning } from '../provisioning/schema.js';
import type { PinHasher, SecretSealer } from '../provisioning/secrets.js';
import type { auditLog } from '../store/audit-log.js';
import type { MetaStore } from '../store/meta.js';
import { insideRoots, scanUsb } from './usb-drive.js';
import { readUsbFile } from './usb-walk.js';
import { refusalLine, unsentDependencyRefusals } from './identity-change.js';
import { checkUsbUpdate, installFromDrive, type UpdateChecks } from './usb-updates.js';
import type { FileInstall } from '../update/update-manager.js';
import { MAX_BUNDLE_BYTES } from '../../sync/export-bundle.js';
import { ScreenProblemLog } from './screen-problems.js';
import { importRelayBundle, relayBundleAction } from './relay-bundle-actions.js';
import { exportToUsb } from './usb-export.js';
import { fail, type Outcome } from './workbench-outcome.js';

const MAX_INPUTS = 12;

export interface WorkbenchDeps {
  dataDir: string;
  usbRoots: readonly string[];
  db: Database;
  meta: MetaStore;
  sealer: SecretSealer;
  pins: PinHasher;
  provisioning: StoredProvisioning | null;
  /** The stored secrets, opened at start, that a form-made file must carry on. */
  base: FormBase | null;
  audit: ReturnType<typeof auditLog>;
  devices: Devices | null;
  /** Wakes the uploader for a relayed bundle. */
  notifySync: () => void;
  log: Log;
  now: () => number;
  /** Starts the terminal again in this process, back in technician mode if a technician was in; absent where the shell cannot. */
  restart: ((o: { technician: boolean }) => void) | undefined;
  /** Whether a technician is in (an unprovisioned terminal takes its first provisioning file without one). */
  technicianInside: () => boolean;
  exitKiosk: (() => void) | undefined;
  /** The screen shows what changed. */
  refresh: () => void;
  /** Update files on a USB drive: how they are checked, and how one is installed (UpdateManager.installFile). */
  updates: WorkbenchUpdates;
}

export interface WorkbenchUpdates {
  checks: UpdateChecks;
  /** The one way the running terminal installs; absent while unprovisioned (no update key is trusted then). */
  install: ((file: string) => Promise<FileInstall>) | undefined;
  /** No one logged in, or the hall closed (as for an announced update). */
  idle: () => boolean;
  staff: () => string | null;
  trialMinutes: number;
}

/** The technician's provisioning, devices and USB actions: each validated, audited, and said in words on screen. */
export class TechnicianWorkbench {
  private usb: TechnicianSetup['usb'];
  private ports: TechnicianSetup['ports'] = { serial: [], hid: [], scannedAt: null };
  private inputs: DeviceInput[] = [];
  private usbScan: ReturnType<typeof scanUsb> | null = null;
  private last: TechnicianSetup['lastAction'] = null;
  private connection: TechnicianSetup['connection'] = null;
  readonly screenProblems: ScreenProblemLog;

  constructor(private readonly d: WorkbenchDeps) {
    this.screenProblems = new ScreenProblemLog(d.log);
    this.usb = { roots: [...d.usbRoots], files: [], cutShort: null, scannedAt: null };
  }

  setup(): TechnicianSetup {
    const offline = this.d.base?.offlineConfig;
    return {
      form: this.form(),
      secretsSet: this.secretsSet(),
      offlineConfig: offline ? { staff: offline.staff.length, tasks: offline.tasks.length } : null,
      tlsConfigured: this.d.base?.tls != null,
      network: networkView(this.d.base?.network, this.d.base?.provinceTls),
      usb: this.usb,
      ports: this.ports,
      inputs: this.inputs,
      lastAction: this.last,
      connection: this.connection,
      canExitKiosk: this.d.exitKiosk !== undefined,
      updates: {
        launcher: this.d.updates.checks.releasesDir !== undefined && this.d.updates.install !== undefined,
        staff: this.d.updates.staff(),
        idle: this.d.updates.idle(),
        trialMinutes: this.d.updates.trialMinutes,
      },
    };
  }

  /** Looks at the USB drives and the devices again (on entry, and on the technician's "rescan"). */
  async rescan(): Promise<void> {
    // One walk at a time: technician entries and "rescan" presses during a slow drive share it.
    const roots = this.d.usbRoots;
    const checkUpdate = (path: string) => checkUsbUpdate(roots, path, this.d.updates.checks);
    this.usbScan ??= scanUsb(roots, this.form(), undefined, checkUpdate).finally(() => (this.usbScan = null));
    const { files: found, cutShort } = await this.usbScan;
    // The preview warns before the import refuses: a file that changes the id, key or dialect unsent records need cannot be taken.
    const files = found.map((f) => {
      const refusal = f.kind === 'provisioning' && !f.error && this.d.provisioning ? refusalLine(unsentDependencyRefusals(this.d.db, f.changes)) : null;
      return refusal ? { ...f, error: refusal } : f;
    });
    this.usb = { ...this.usb, files, cutShort, scannedAt: this.d.now() };
    const [serial, hid] = await Promise.all([listSerialPorts().catch(() => []), listHidDevices().catch(() => [])]);
    this.ports = {
      serial: serial.map((p) => ({
        path: p.path,
        label: [p.manufacturer, p.vendorId && `${p.vendorId}:${p.productId ?? ''}`].filter(Boolean).join(' '),
        likely: p.vendorId !== null || /USB|ACM/.test(p.path),
      })),
      hid: hid.map((h): DetectedPort => ({
        path: `0x${h.vendorId.toString(16).padStart(4, '0')}:0x${h.productId.toString(16).padStart(4, '0')}`,
        label: [h.manufacturer, h.product].filter(Boolean).join(' '),
        likely: h.likelyKeypad,
      })),
      scannedAt: this.d.now(),
    };
    this.d.refresh();
  }

  /** A key or badge seen by a device while the technician watches the devices screen. */
  noteInput(source: DeviceInput['source'], what: string): void {
    this.inputs = [{ at: this.d.now(), source, what }, ...this.inputs].slice(0, MAX_INPUTS);
    this.d.refresh();
  }

  /** The stored secrets: the province's is only its own dialect's (the other dialect's field has nothing to keep). */
  private secretsSet(): string[] {
    const p = this.d.provisioning;
    if (!p) return [];
    const other = provinceSecretField(p.province) === 'province.appWord' ? 'province.appSecret' : 'province.appWord';
    return PROVISIONING_FIELDS.filter((f) => f.kind === 'secret' && f.path !== other).map((f) => f.path);
  }

  check(draft: ProvisioningDraft): Outcome {
    const r = this.checked(draft);
    return 'ok' in r ? r : { ok: true };
  }

  async apply(draft: ProvisioningDraft): Promise<Outcome> {
    const r = this.checked(draft);
    if ('ok' in r) return r;
    const replaced = PROVISIONING_FIELDS.filter((f) => f.kind === 'secret' && draft[f.path]).map((f) => f.path);
    return this.store(r.file, { fromForm: { keepTechnicianPin: r.keepTechnicianPin } }, { source: 'screen', replaced });
  }

  async testConnection(draft: ProvisioningDraft): Promise<Outcome> {
    const r = this.checked(draft);
    if ('ok' in r) return r;
    const p = r.file.province;
    const account = provinceAccount(p, p.dialect === 'gov-form' ? p.appWord : p.appSecret, r.file.terminal.terminalId);
    const { fetch } = transportFor(r.file);
    const report = await testProvinceConnection({ account, fetch });
    this.connection = { at: this.d.now(), ...report, page: report.reachable ? await probePageFor(r.file, account, fetch) : null };
    this.d.audit.record({
      actor: 'technician',
      action: 'provisioning.test-connection',
      detail: { dialect: p.dialect, baseUrl: p.baseUrl, reachable: report.reachable, code: report.code },
    });
    this.d.refresh();
    return { ok: true };
  }

  async usbImport(path: string): Promise<Outcome> {
    const file = this.usb.files.find((f) => f.path === path);
    if (!file || !insideRoots(this.d.usbRoots, path)) return fail('NOT_ON_USB', 'that file is not on a USB drive the terminal has listed; rescan');
    if (file.kind === 'bundle') {
      if (!this.d.provisioning) return this.said(fail('UNPROVISIONED', 'provision this terminal first: it relays bundles with its own credentials'));
      return importRelayBundle(this.d, path, this.said.bind(this));
    }
    // Read again, as `hcp-terminal provision` reads a file: the drive may have changed since it was listed (a link
    // swapped in is refused by readUsbFile, not followed).
    let parsed: ProvisioningFile;
    try {
      parsed = parseProvisioningText(readUsbFile(this.d.usbRoots, path, MAX_BUNDLE_BYTES), path);
    } catch (err) {
      return this.said(fail('INVALID_FILE', err instanceof Error ? err.message : String(err)));
    }
    return this.store(parsed, {}, { source: path, replaced: [provinceSecretField(parsed.province), 'localApi.token', 'technician.pin'] });
  }

  /**
   * Installs a listed update file (the screen asked to confirm): copied off the drive, then installed as the network
   * path installs (UpdateManager.installFile); on success the launcher restarts the terminal on it, on trial.
   */
  async installUpdate(path: string): Promise<Outcome> {
    const u = this.d.updates;
    const listed = this.usb.files.find((f) => f.path === path);
    if (!listed || listed.kind !== 'update' || !insideRoots(this.d.usbRoots, path))
      return this.said(fail('NOT_ON_USB', 'that update file is not on a USB drive the terminal has listed; rescan'));
    if (!u.install || u.checks.releasesDir === undefined)
      return this.said(fail('NO_LAUNCHER', 'this terminal runs without the launcher (--releases-dir): updates need it for the trial and rollback'));
    const staff = u.staff();
    if (!u.idle())
      return this.said(fail('STAFF_LOGGED_IN', `${staff ?? 'a staff member'} is logged in: an update restarts the terminal`), undefined, {
        staff: staff ?? '',
      });
    const result = await installFromDrive(this.d.usbRoots, path, this.d.dataDir, u.install);
    if (result.ok) {
      this.d.audit.record({
        actor: 'technician',
        action: 'update.install',
        detail: { file: path, version: result.version, from: result.from, seq: result.seq, handedOver: result.handedOver },
      });
      return this.said({ ok: true }, 'updateInstalled', { version: result.version, minutes: u.trialMinutes });
    }
    if (result.reason === 'handed-over') {
      // The package: root's installer has the file and has not answered yet; it installs it when it runs.
      this.d.audit.record({ actor: 'technician', action: 'update.handed-over', detail: { file: path, message: result.message } });
      return this.said({ ok: true }, 'updateHandedOver');
    }
    this.d.audit.record({ actor: 'technician', action: 'update.install-refused', detail: { file: path, reason: result.reason, message: result.message } });
    return this.said(fail('UPDATE_REFUSED', result.message), undefined, { reason: result.reason });
  }

  relayBundle(bundleId: string, action: 'resend' | 'set-aside'): Outcome {
    return relayBundleAction(this.d, bundleId, action, this.said.bind(this));
  }

  usbExport(what: 'records' | 'logs'): Promise<Outcome> {
    return exportToUsb(this.d, what, this.said.bind(this));
  }

  deviceTest(what: 'leds' | 'lcd' | 'prompt', prompt = 1): Outcome {
    if (!this.d.devices?.test(what, prompt)) return this.said(fail('NO_KEYPAD', 'this terminal has no keypad to test'));
    this.d.audit.record({ actor: 'technician', action: 'devices.test', detail: { what, ...(what === 'prompt' ? { prompt } : {}) } });
    return this.said({ ok: true }, what === 'leds' ? 'ledsLit' : what === 'lcd' ? 'lcdSent' : 'promptPlayed', { prompt });
  }

  restartTerminal(): Outcome {
    if (!this.d.restart) return fail('NOT_SUPPORTED', 'this terminal cannot restart itself here');
    this.d.audit.record({ actor: 'technician', action: 'terminal.restart', detail: {} });
    this.d.restart({ technician: true });
    return { ok: true };
  }

  exitKiosk(): Outcome {
    if (!this.d.exitKiosk) return fail('NOT_SUPPORTED', 'the kiosk window cannot be closed from here on this platform');
    this.d.audit.record({ actor: 'technician', action: 'kiosk.exit', detail: {} });
    this.d.exitKiosk();
    return { ok: true };
  }

  /** The draft as a provisioning file, or the refusal naming each bad field. */
  private checked(draft: ProvisioningDraft): CheckedDraft | Extract<Outcome, { ok: false }> {
    const checked = checkDraft(draft, this.d.base);
    const refusals = 'fields' in checked ? {} : this.unsentRefusals(checked.file);
    const r = Object.keys(refusals).length > 0 ? { fields: refusals } : checked;
    if (!('fields' in r)) return r;
    const message = Object.entries(r.fields)
      .map(([f, m]) => `${f}: ${m}`)
      .join('; ');
    return { ok: false, code: 'INVALID_FIELDS', message, fields: r.fields };
  }

  private form(): ProvisioningDraft {
    return this.d.provisioning ? formFromStored(this.d.provisioning) : {};
  }

  /** Stores a checked file as `provision` does, writes old → new to the audit log, and restarts the terminal with it. */
  /** A new terminal id, SM2 key or dialect while records that need the old one are unsent would strand them (identity-change.ts), by field. */
  private unsentRefusals(file: ProvisioningFile): Record<string, string> {
    return unsentDependencyRefusals(this.d.db, describeChanges(this.form(), formFromFile(file)));
  }

  private async store(file: ProvisioningFile, opts: Parameters<typeof prepareProvisioning>[4], why: { source: string; replaced: string[] }): Promise<Outcome> {
    const refusal = refusalLine(this.unsentRefusals(file));
    if (refusal) return this.said(fail('IDENTITY_UNSENT', refusal));
    const stored = await prepareProvisioning(this.d.meta, this.d.sealer, this.d.pins, file, opts);
    this.d.db.transaction(() => {
      keepPreviousProvisioning(this.d.meta);
      storeProvisioning(this.d.meta, stored, file);
    })();
    const changes = describeChanges(this.form(), formFromFile(file));
    this.d.audit.record({ actor: 'technician', action: 'provisioning.apply', detail: { source: why.source, changes, replaced: why.replaced } });
    this.d.log.info({ source: why.source, fields: changes.map((c) => c.field) }, 'provisioning changed by a technician');
    if (!this.d.restart) return this.said({ ok: true }, 'savedForNextStart');
    this.d.restart({ technician: this.d.technicianInside() });
    return { ok: true };
  }

  /** What the action did, for the screen to say in its language: a message key and its values, or the refusal. */
  private said(r: Outcome, key?: string, params: Record<string, string | number> = {}): Outcome {
    this.last = r.ok
      ? { ok: true, key: key ?? 'done', params, text: key ?? '', at: this.d.now() }
      : { ok: false, key: key ?? r.code, params, text: r.message, at: this.d.now() };
    this.d.refresh();
    return r;
  }
}

/** The offline roster stored beside the provisioning (PINs stripped), for a form-made file to carry on. */
export function storedOfflineConfig(meta: MetaStore): ProvisioningFile['offlineConfig'] {
  return meta.get(META_OFFLINE_CONFIG, offlineConfigSchema);
}
