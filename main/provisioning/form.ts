import type { z } from 'zod';
import { fieldVisible, PROVISIONING_FIELDS, type FieldSpec, type ProvisioningDraft } from '../bridge/technician.js';
import { provisioningFileSchema, type ProvisioningFile, type StoredProvisioning } from './schema.js';

/** What the form cannot show but a file it makes must carry: secrets opened, the offline roster, TLS. */
export interface FormBase {
  /** The stored province's dialect: its secret is kept only while the form stays in that dialect. */
  dialect?: string | undefined;
  /** The stored province's secret (`appSecret` or `appWord`, by dialect). */
  appSecret: string;
  token: string;
  tls: { cert: string; key: string } | null;
  offlineConfig: ProvisioningFile['offlineConfig'];
  /** v1.3's proxy (password opened) and the province's CAs: set by a provisioning file, carried through the form. */
  network?: ProvisioningFile['network'];
  provinceTls?: { caCertificates: string[] } | undefined;
}

/** A draft that passed the provisioning file's schema; `keepTechnicianPin` when the PIN field was left empty. */
export interface CheckedDraft {
  file: ProvisioningFile;
  keepTechnicianPin: boolean;
}

/** Stands in for a PIN left empty so the schema can check the rest; the stored hash is kept, never this. */
const KEEP_PIN = '0000';

export function formFromStored(p: StoredProvisioning): ProvisioningDraft {
  const { keypad, badge } = p.devices;
  return flatten({
    terminal: p.terminal,
    province: withoutSecret(p.province),
    devices: { keypad, badge },
    localApi: { host: p.localApi.host, port: p.localApi.port, allowLan: p.localApi.allowLan },
    technician: { badgeIds: p.technicianBadgeIds },
    voice: p.voice,
  });
}

/** A provisioning file's fields as the form shows them (secrets left out), for previews and the audit log. */
export function formFromFile(f: ProvisioningFile): ProvisioningDraft {
  const province = withoutSecret(f.province);
  const { token: _t, tls: _tls, ...localApi } = f.localApi;
  return flatten({ terminal: f.terminal, province, devices: f.devices, localApi, technician: { badgeIds: f.technician.badgeIds }, voice: f.voice });
}

/** A province's fields without its secret, whichever dialect (sealed or not). */
function withoutSecret(p: ProvisioningFile['province'] | StoredProvisioning['province']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (!['appSecret', 'appSecretSealed', 'appWord', 'appWordSealed'].includes(k)) out[k] = v;
  return out;
}

function flatten(o: Record<string, unknown>): ProvisioningDraft {
  const out: ProvisioningDraft = {};
  for (const f of PROVISIONING_FIELDS) {
    if (f.kind === 'secret') continue;
    const v = f.path.split('.').reduce<unknown>((at, k) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined), o);
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out[f.path] = v.join(', ');
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[f.path] = String(v);
  }
  return out;
}

/** Checks a draft with the same schema as `hcp-terminal provision`; errors come back by field, in words. */
export function checkDraft(draft: ProvisioningDraft, base: FormBase | null): CheckedDraft | { fields: Record<string, string> } {
  const keepTechnicianPin = base !== null && !draft['technician.pin'];
  const raw: Record<string, unknown> = {};
  for (const f of PROVISIONING_FIELDS) {
    if (!fieldVisible(f, draft)) continue;
    const sameDialect = (base?.dialect ?? 'hcp-json') === (draft['province.dialect'] || 'hcp-json');
    const value = valueOf(f, draft[f.path] ?? '', sameDialect ? base : base && { ...base, appSecret: '' }, keepTechnicianPin);
    if (value !== undefined) put(raw, f.path, value);
  }
  if (base?.tls) put(raw, 'localApi.tls', base.tls);
  if (base?.offlineConfig) raw['offlineConfig'] = base.offlineConfig;
  if (base?.network) raw['network'] = base.network;
  if (base?.provinceTls && raw['province']) put(raw, 'province.tls', base.provinceTls);
  const parsed = provisioningFileSchema.safeParse(raw);
  if (parsed.success) return { file: parsed.data, keepTechnicianPin };
  return { fields: fieldErrors(parsed.error) };
}

function valueOf(f: FieldSpec, typed: string, base: FormBase | null, keepPin: boolean): unknown {
  const v = typed.trim();
  switch (f.kind) {
    case 'secret':
      if (v) return v;
      if (f.path === 'technician.pin') return keepPin ? KEEP_PIN : '';
      return (f.path === 'province.appSecret' || f.path === 'province.appWord' ? base?.appSecret : base?.token) ?? '';
    case 'boolean':
      return v === 'true';
    case 'number':
      if (!v && f.path.startsWith('province.page.')) return undefined;
      return /^\d+$/.test(v) ? Number(v) : v;
    case 'select':
      if (f.path === 'province.dialect') return v || 'hcp-json';
      return f.path === 'devices.keypad.baudRate' ? Number(v) : v;
    case 'text':
      if (f.path === 'technician.badgeIds') return v.split(/[\s,]+/).filter(Boolean);
      if (f.path === 'province.page.origins') return v ? v.split(/[\s,]+/).filter(Boolean) : undefined;
      // Optional fields left empty are absent, not empty.
      if (!v && ['province.sm2PublicKey', 'province.offlineLinkTemplate', 'province.offlinePageTemplate'].includes(f.path)) return undefined;
      return v;
  }
}

function put(o: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = o;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1] ?? ''] = value;
}

function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    // An error inside a list (a badge id) belongs to the list's field.
    const field = PROVISIONING_FIELDS.find((f) => path === f.path || path.startsWith(f.path + '.'))?.path ?? (path || '(file)');
    out[field] ??= issue.message;
  }
  return out;
}

/** What applying `next` would change against `before`, field by field (secrets never shown). */
export function describeChanges(before: ProvisioningDraft, next: ProvisioningDraft): { field: string; from: string; to: string }[] {
  const fields = new Set([...Object.keys(before), ...Object.keys(next)]);
  return [...fields].filter((f) => (before[f] ?? '') !== (next[f] ?? '')).map((f) => ({ field: f, from: before[f] ?? '', to: next[f] ?? '' }));
}
