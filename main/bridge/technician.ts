/**
 * What the technician's provisioning and devices screens show and send. Pure: the renderer imports it to draw
 * the form, the main side to read it back; the main side validates a draft with the provisioning file's own schema.
 */

export type FieldKind = 'text' | 'secret' | 'number' | 'boolean' | 'select';

export interface FieldSpec {
  /** The field's path in the provisioning file, e.g. "terminal.windowCode". */
  path: string;
  kind: FieldKind;
  options?: readonly string[];
  /** Shown only when another field has one of these values (the keypad's path only for a serial keypad). */
  when?: { path: string; is: readonly string[] };
  /** The on-screen keyboard to open: digits only, or letters and digits. */
  keys?: 'digits' | 'latin';
}

const serial = { path: 'devices.keypad.type', is: ['serial'] } as const;
/** An empty dialect is the default, `hcp-json`. */
const hcpJson = { path: 'province.dialect', is: ['hcp-json', ''] } as const;
const govForm = { path: 'province.dialect', is: ['gov-form'] } as const;
const hid = { path: 'devices.keypad.type', is: ['hid'] } as const;

/** Every field of the provisioning file a technician edits at the window; offlineConfig and TLS come by USB file. */
export const PROVISIONING_FIELDS: readonly FieldSpec[] = [
  { path: 'terminal.terminalId', kind: 'text' },
  { path: 'terminal.areaCode', kind: 'text', keys: 'digits' },
  { path: 'terminal.hallCode', kind: 'text' },
  { path: 'terminal.windowCode', kind: 'text' },
  // The province's dialect decides which of its fields apply (docs/provinces.md).
  { path: 'province.dialect', kind: 'select', options: ['hcp-json', 'gov-form'] },
  { path: 'province.baseUrl', kind: 'text' },
  { path: 'province.allowInsecureHttp', kind: 'boolean' },
  { path: 'province.appKey', kind: 'text', when: hcpJson },
  { path: 'province.appSecret', kind: 'secret', when: hcpJson },
  { path: 'province.signAlg', kind: 'select', options: ['HMAC-SM3', 'HMAC-SHA256'], when: hcpJson },
  { path: 'province.appMark', kind: 'text', when: govForm },
  { path: 'province.appWord', kind: 'secret', when: govForm },
  { path: 'province.sm2PublicKey', kind: 'text' },
  { path: 'province.satisfactionCodes', kind: 'select', options: ['desc5', 'gbt'], when: govForm },
  { path: 'province.offlineLinkTemplate', kind: 'text', when: hcpJson },
  { path: 'province.offlinePageTemplate', kind: 'text', when: govForm },
  // Page mode (province-page.md): all three empty is no `page` (the province's own origins, the default timings).
  { path: 'province.page.origins', kind: 'text' },
  { path: 'province.page.loadTimeoutMs', kind: 'number', keys: 'digits' },
  { path: 'province.page.statusPollMs', kind: 'number', keys: 'digits' },
  { path: 'devices.keypad.type', kind: 'select', options: ['serial', 'hid', 'simulated', 'none'] },
  { path: 'devices.keypad.path', kind: 'text', when: serial },
  { path: 'devices.keypad.baudRate', kind: 'select', options: ['9600', '19200', '115200'], when: serial },
  { path: 'devices.keypad.address', kind: 'number', when: serial, keys: 'digits' },
  { path: 'devices.keypad.vendorId', kind: 'text', when: hid },
  { path: 'devices.keypad.productId', kind: 'text', when: hid },
  { path: 'devices.badge.type', kind: 'select', options: ['keyboard', 'serial-rdm6300', 'keypad', 'none'] },
  { path: 'devices.badge.path', kind: 'text', when: { path: 'devices.badge.type', is: ['serial-rdm6300'] } },
  { path: 'localApi.host', kind: 'text' },
  { path: 'localApi.port', kind: 'number', keys: 'digits' },
  { path: 'localApi.token', kind: 'secret' },
  { path: 'localApi.allowLan', kind: 'boolean' },
  { path: 'technician.pin', kind: 'secret', keys: 'digits' },
  { path: 'technician.badgeIds', kind: 'text' },
  { path: 'voice', kind: 'select', options: ['on', 'off', 'elderly-only'] },
];

/** A draft of the form: every value as typed, by field path. A secret left empty keeps the stored one. */
export type ProvisioningDraft = Record<string, string>;

export function fieldVisible(f: FieldSpec, draft: ProvisioningDraft): boolean {
  return !f.when || f.when.is.includes(draft[f.when.path] ?? '');
}

/**
 * A file found on a USB drive: a provisioning file (with what it would change), another terminal's export bundle, or
 * a software update (`*.hcpupd`) with the verdict of the checks an install makes first.
 */
export type UsbFile =
  | { path: string; kind: 'provisioning'; error: string | null; changes: { field: string; from: string; to: string }[] }
  | { path: string; kind: 'bundle'; error: string | null; terminalId: string | null; records: number }
  | UpdateFile
  | { path: string; kind: 'other'; error: string };

/**
 * An update file on a USB drive. `reason` is the refusal's code (main/update/bundle-read.ts `RefusalReason`, or
 * `usb-read`), `error` the terminal's own words for it; both null when it verifies and would install. `version`
 * and `seq` come from the signed manifest, so they are null until its signature holds under a trusted key.
 */
export interface UpdateFile {
  path: string;
  kind: 'update';
  error: string | null;
  reason: string | null;
  version: string | null;
  seq: number | null;
}

/** Whether and when this terminal installs an update from the screen (docs/updates.md). */
export interface UpdateSetup {
  /** Run by the launcher (`--releases-dir`): without it there is no trial and no rollback, so no install. */
  launcher: boolean;
  /** The staff member logged in, if any: an install restarts the terminal. */
  staff: string | null;
  /** No one logged in, or the hall closed: an install may run now. */
  idle: boolean;
  /** The trial a new release serves before it is marked good. */
  trialMinutes: number;
}

export interface DetectedPort {
  path: string;
  label: string;
  /** USB adapters and keypad-like HID devices first: the likely keypad. */
  likely: boolean;
}

export interface DeviceInput {
  at: number;
  source: 'keypad' | 'badge';
  what: string;
}

/** The provisioning and devices screens' data, read while technician mode is open. */
export interface TechnicianSetup {
  form: ProvisioningDraft;
  /** Which secrets are stored (shown as "set"; typing replaces them). */
  secretsSet: string[];
  offlineConfig: { staff: number; tasks: number } | null;
  tlsConfigured: boolean;
  /**
   * v1.3: how the terminal reaches its province, set by a provisioning file: the proxy (password hidden) and whence it
   * comes, the hosts that bypass it, and the CAs provisioning adds to the OS store (subject, expiry, SHA-256).
   */
  network: {
    proxy: string | null;
    proxyFrom: 'provisioning' | 'environment' | null;
    noProxy: string[];
    provinceCas: { subject: string; validTo: string; sha256: string }[];
  };
  /** `cutShort`: the walk of the drives stopped at a bound (too deep, too many entries or files, too slow); the list is incomplete. */
  usb: { roots: string[]; files: UsbFile[]; cutShort: 'depth' | 'entries' | 'files' | 'updates' | 'time' | null; scannedAt: number | null };
  updates: UpdateSetup;
  ports: { serial: DetectedPort[]; hid: DetectedPort[]; scannedAt: number | null };
  inputs: DeviceInput[];
  /**
   * What the last technician action did: a message key the screen words in its language (technician.said.*, or
   * technician.refused.* by code) with its values; `text` is the terminal's own words, for a key the screen lacks.
   */
  lastAction: { ok: boolean; key: string; params: Record<string, string | number>; text: string; at: number } | null;
  /** The last "test connection", with the settings as they were typed. */
  connection: {
    at: number;
    reachable: boolean;
    latencyMs: number;
    clockOffsetMs: number | null;
    code: string | null;
    message: string;
    /** Page mode (province-page.md): whether an invitation now would show the province's page, and why not. */
    page: { shown: boolean; message: string } | null;
  } | null;
  canExitKiosk: boolean;
}
