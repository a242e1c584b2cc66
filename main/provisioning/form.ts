import type { z } from 'zod';
import { fieldVisible, PROVISIONING_FIELDS, type FieldSpec, type ProvisioningDraft } from '../bridge/technician.js';
import { provisioningFileSchema, type ProvisioningFile, type StoredProvisioning } from './schema.js';

/** What the form cannot show but a file it makes must carry: secrets opened, the offline roster, TLS. */
export interface FormBase {
  appSecret: string;
  token: string;
  tls: { cert: string; key: string } | null;
  offlineConfig: ProvisioningFile['offlineConfig'];
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
    province: {
      baseUrl: p.province.baseUrl,
      allowInsecureHttp: p.province.allowInsecureHttp,
      appKey: p.province.appKey,
      signAlg: p.province.signAlg,
      sm2PublicKey: p.province.sm2PublicKey,
      offlineLinkTemplate: p.province.offlineLinkTemplate,
    },
    devices: { keypad, badge },
    localApi: { host: p.localApi.host, port: p.localApi.port, allowLan: p.localApi.allowLan },
    technician: { badgeIds: p.technicianBadgeIds },
    voice: p.voice,
  });
}

/** A provisioning file's fields as the form shows them (secrets left out), for previews and the audit log. */
export function formFromFile(f: ProvisioningFile): ProvisioningDraft {
  const { appSecret: _s, ...province } = f.province;
  const { token: _t, tls: _tls, ...localApi } = f.localApi;
  return flatten({ terminal: f.terminal, province, devices: f.devices, localApi, technician: { badgeIds: f.technician.badgeIds }, voice: f.voice });
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
    const value = valueOf(f, draft[f.path] ?? '', base, keepTechnicianPin);
    if (value !== undefined) put(raw, f.path, value);
  }
  if (base?.tls) put(raw, 'localApi.tls', base.tls);
  if (base?.offlineConfig) raw['offlineConfig'] = base.offlineConfig;
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
      return (f.path === 'province.appSecret' ? base?.appSecret : base?.token) ?? '';
    case 'boolean':
      return v === 'true';
    case 'number':
      return /^\d+$/.test(v) ? Number(v) : v;
    case 'select':
      return f.path === 'devices.keypad.baudRate' ? Number(v) : v;
    case 'text':
      if (f.path === 'technician.badgeIds') return v.split(/[\s,]+/).filter(Boolean);
      // Optional fields left empty are absent, not empty.
      if (!v && (f.path === 'province.sm2PublicKey' || f.path === 'province.offlineLinkTemplate')) return undefined;
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
