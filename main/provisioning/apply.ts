import { readFileSync } from 'node:fs';
import { z } from 'zod';

import { terminalConfigSchema, type TerminalConfig } from '../core/config.js';
import type { MetaStore } from '../store/meta.js';
import { describeProvisioningIssues, provisioningFileSchema, storedProvisioningSchema, type ProvisioningFile, type StoredProvisioning } from './schema.js';
import { sealNetwork } from './network.js';
import { sealProvince } from './province-schema.js';
import type { PinHasher, SecretSealer } from './secrets.js';

export const META_PROVISIONING = 'provisioning';
export const META_OFFLINE_CONFIG = 'config.offline';

/** A provisioning file that cannot be used (exit code 2); the message names each bad field. */
export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

export function readProvisioningFile(path: string): ProvisioningFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvisioningError(`cannot read provisioning file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseProvisioningText(text, path);
}

/** A provisioning file's text (a BOM allowed), validated. */
export function parseProvisioningText(text: string, path: string): ProvisioningFile {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ProvisioningError(`provisioning file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseProvisioning(json);
}

export function parseProvisioning(json: unknown): ProvisioningFile {
  const parsed = provisioningFileSchema.safeParse(json);
  if (!parsed.success) throw new ProvisioningError(`invalid provisioning file:\n${describeProvisioningIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Turns a validated file into what is stored: secrets sealed, PINs hashed. Applying the same file twice leaves
 * the same terminal (existing PIN hashes that still match are kept rather than re-salted). Asynchronous (the
 * keychain, scrypt), so it runs before the transaction that stores the result (storeProvisioning).
 */
export async function prepareProvisioning(
  meta: MetaStore,
  sealer: SecretSealer,
  pins: PinHasher,
  file: ProvisioningFile,
  opts: { demo?: boolean; fromForm?: { keepTechnicianPin: boolean } } = {},
): Promise<StoredProvisioning> {
  const previous = loadProvisioning(meta);
  const keepOrHash = async (pin: string, old: string | undefined) => (old && (await pins.verify(pin, old)) ? old : pins.hash(pin));
  // A file made from the technician's form carries no PINs it was not typed: the stored hashes stay.
  const kept = opts.fromForm ? previous : undefined;
  const staffPinHashes: Record<string, string> = {};
  for (const s of file.offlineConfig?.staff ?? []) {
    const old = previous?.staffPinHashes[s.staffId];
    if (s.pin) staffPinHashes[s.staffId] = await keepOrHash(s.pin, old);
    else if (kept && old) staffPinHashes[s.staffId] = old;
  }
  return storedProvisioningSchema.parse({
    terminal: file.terminal,
    province: await sealProvince(file.province, (plain) => sealer.seal(plain)),
    devices: file.devices,
    localApi: {
      host: file.localApi.host,
      port: file.localApi.port,
      tokenSealed: await sealer.seal(file.localApi.token),
      ...(file.localApi.tls ? { tls: { cert: file.localApi.tls.cert, keySealed: await sealer.seal(file.localApi.tls.key) } } : {}),
      allowLan: file.localApi.allowLan,
    },
    technicianPinHash: kept && opts.fromForm?.keepTechnicianPin ? kept.technicianPinHash : await keepOrHash(file.technician.pin, previous?.technicianPinHash),
    technicianBadgeIds: file.technician.badgeIds,
    staffPinHashes,
    demo: opts.demo ?? kept?.demo ?? false,
    voice: file.voice,
    ...(file.updates ? { updates: file.updates } : {}),
    ...(file.network ? { network: await sealNetwork(file.network, (plain) => sealer.seal(plain)) } : {}),
  });
}

/** Stores prepared provisioning and the file's offline config; run inside the caller's transaction. */
export function storeProvisioning(meta: MetaStore, stored: StoredProvisioning, file: ProvisioningFile): void {
  meta.set(META_PROVISIONING, stored);
  if (file.offlineConfig) {
    const { staff, ...rest } = file.offlineConfig;
    meta.set(META_OFFLINE_CONFIG, { ...rest, staff: staff.map(({ pin: _pin, ...s }) => s) });
  } else {
    meta.delete(META_OFFLINE_CONFIG);
  }
}

export function loadProvisioning(meta: MetaStore): StoredProvisioning | undefined {
  return meta.get(META_PROVISIONING, storedProvisioningSchema);
}

/** The province's config when it has been fetched, else the provisioned offline config, else an empty one. */
export function loadConfig(meta: MetaStore, provinceKey: string): TerminalConfig {
  return meta.get(provinceKey, terminalConfigSchema) ?? meta.get(META_OFFLINE_CONFIG, terminalConfigSchema) ?? terminalConfigSchema.parse({});
}

const META_PREVIOUS = 'provisioning.previous';
const previousSchema = z.strictObject({ provisioning: storedProvisioningSchema, offline: z.unknown().optional() });

/** Keeps what is stored now, so a change that stops the terminal from starting can be undone; inside the caller's transaction. */
export function keepPreviousProvisioning(meta: MetaStore): void {
  const provisioning = loadProvisioning(meta);
  if (!provisioning) return;
  meta.set(META_PREVIOUS, { provisioning, offline: meta.get(META_OFFLINE_CONFIG, z.unknown()) });
}

/** Puts the kept provisioning back; false when there is none. */
export function restorePreviousProvisioning(meta: MetaStore): boolean {
  const prev = meta.get(META_PREVIOUS, previousSchema);
  if (!prev) return false;
  meta.set(META_PROVISIONING, prev.provisioning);
  if (prev.offline === undefined) meta.delete(META_OFFLINE_CONFIG);
  else meta.set(META_OFFLINE_CONFIG, prev.offline);
  meta.delete(META_PREVIOUS);
  return true;
}
