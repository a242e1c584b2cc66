import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { sm2EncryptField } from '../../sync/crypto/gm.js';
import type { EvaluationRecord } from '../../sync/record.js';
import type { IdentityProtector } from '../core/ports.js';
import type { SecretSealer } from '../provisioning/secrets.js';
import type { MetaStore } from '../store/meta.js';

/** Evaluator identity, in one place: how names are sealed on arrival and opened only to be sent or exported. */

export const SEALED_NAME_PREFIX = 'sealed:';
export const META_DATA_KEY = 'dataKey';

/** Names are sealed with the terminal's own key (the uploader opens them); ID numbers and phones go SM2 at once. */
export function identityProtector(nameSealer: SecretSealer, sm2PublicKey: string | undefined): IdentityProtector {
  return {
    sealName: (name) => SEALED_NAME_PREFIX + nameSealer.seal(name),
    canEncryptForProvince: sm2PublicKey !== undefined,
    encryptForProvince: (plain) => (sm2PublicKey ? sm2EncryptField(plain, sm2PublicKey) : null),
  };
}

/** The record as the province receives it: the sealed name opened. */
export function openName(r: EvaluationRecord, sealer: SecretSealer): EvaluationRecord {
  if (!r.userName?.startsWith(SEALED_NAME_PREFIX)) return r;
  try {
    return { ...r, userName: sealer.open(r.userName.slice(SEALED_NAME_PREFIX.length)) };
  } catch {
    // A name sealed under a lost key cannot be read back; the rating still goes, without it.
    const { userName: _lost, ...rest } = r;
    return rest;
  }
}

/** The key that seals evaluator names: random, itself sealed, never stored in the clear. */
export function dataKey(meta: MetaStore, sealer: SecretSealer, open: (s: string) => string): Buffer {
  const sealed = meta.get(META_DATA_KEY, z.string());
  if (sealed !== undefined) return Buffer.from(open(sealed), 'base64');
  const key = randomBytes(32);
  meta.set(META_DATA_KEY, sealer.seal(key.toString('base64')));
  return key;
}
