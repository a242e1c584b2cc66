import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { sm2EncryptField } from '../../sync/crypto/gm.js';
import type { EvaluationRecord } from '../../sync/record.js';
import type { IdentityProtector } from '../core/ports.js';
import type { KeySealer, SecretSealer } from '../provisioning/secrets.js';
import type { MetaStore } from '../store/meta.js';

/** Evaluator identity, in one place: how names are sealed on arrival and opened only to be sent or exported. */

export const SEALED_NAME_PREFIX = 'sealed:';
export const META_DATA_KEY = 'dataKey';
export const META_PIN_PEPPER = 'pinPepper';

/** Names are sealed with the terminal's own key (the uploader opens them); ID numbers and phones go SM2 at once. */
export function identityProtector(nameSealer: KeySealer, sm2PublicKey: string | undefined): IdentityProtector {
  return {
    sealName: (name) => SEALED_NAME_PREFIX + nameSealer.sealSync(name),
    canEncryptForProvince: sm2PublicKey !== undefined,
    encryptForProvince: (plain) => (sm2PublicKey ? sm2EncryptField(plain, sm2PublicKey) : null),
  };
}

/** The record as the province receives it: the sealed name opened. */
export function openName(r: EvaluationRecord, sealer: KeySealer): EvaluationRecord {
  if (!r.userName?.startsWith(SEALED_NAME_PREFIX)) return r;
  try {
    return { ...r, userName: sealer.openSync(r.userName.slice(SEALED_NAME_PREFIX.length)) };
  } catch {
    // A name sealed under a lost key cannot be read back; the rating still goes, without it.
    const { userName: _lost, ...rest } = r;
    return rest;
  }
}

/**
 * A random 32-byte key kept sealed in `meta` under `name`, made on first use: the data key that seals evaluator
 * names (META_DATA_KEY) and the pepper of PIN hashes (META_PIN_PEPPER). Never stored in the clear.
 */
export async function sealedRandomKey(meta: MetaStore, name: string, sealer: SecretSealer, create = true): Promise<Buffer | null> {
  const sealed = meta.get(name, z.string());
  if (sealed !== undefined) return Buffer.from(await sealer.open(sealed), 'base64');
  if (!create) return null;
  const key = randomBytes(32);
  meta.set(name, await sealer.seal(key.toString('base64')));
  return key;
}
