/**
 * 国密 primitives through a pure-JS library, because Electron's BoringSSL has no SM3/SM2.
 * Everything the terminal hashes or signs goes through here, so the choice of library stays in one file.
 */
import { sm2, sm3 } from 'sm-crypto-v2';
import { createHash, createHmac, getHashes } from 'node:crypto';

export type SignAlg = 'HMAC-SM3' | 'HMAC-SHA256';

export function sm3Hex(data: string | Uint8Array): string {
  return sm3(typeof data === 'string' ? utf8(data) : data);
}

export function hashHex(alg: SignAlg, data: string | Uint8Array): string {
  if (alg === 'HMAC-SM3') return sm3Hex(data);
  return createHash('sha256').update(data).digest('hex');
}

export function hmacHex(alg: SignAlg, key: string | Uint8Array, data: string | Uint8Array): string {
  const keyBytes = typeof key === 'string' ? utf8(key) : key;
  const dataBytes = typeof data === 'string' ? utf8(data) : data;
  if (alg === 'HMAC-SM3') return sm3(dataBytes, { mode: 'hmac', key: keyBytes });
  return createHmac('sha256', keyBytes).update(dataBytes).digest('hex');
}

/** SM2 public-key encryption in C1C3C2 order, as `"sm2:" + hex` (the province's field format). */
export function sm2EncryptField(plain: string, publicKeyHex: string): string {
  const C1C3C2 = 1;
  return 'sm2:04' + sm2.doEncrypt(utf8(plain), publicKeyHex, C1C3C2);
}

export function isValidSm2PublicKey(hex: string): boolean {
  try {
    return /^04[0-9a-fA-F]{128}$/.test(hex) && sm2.verifyPublicKey(hex);
  } catch {
    return false;
  }
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** The SM2 signer's default user id (GM/T 0009), which both ends hash into Z. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

/** SM2 signature with SM3 and the Z value of the default user id, DER, lower-case hex. */
export function sm2SignHex(data: Uint8Array, privateKeyHex: string): string {
  return sm2.doSignature(data, privateKeyHex, { der: true, hash: true, userId: SM2_DEFAULT_USER_ID }).toLowerCase();
}

export function sm2VerifyHex(data: Uint8Array, signatureHex: string, publicKeyHex: string): boolean {
  try {
    if (!/^[0-9a-f]+$/.test(signatureHex) || !isValidSm2PublicKey(publicKeyHex)) return false;
    return sm2.doVerifySignature(data, signatureHex, publicKeyHex, { der: true, hash: true, userId: SM2_DEFAULT_USER_ID });
  } catch {
    return false;
  }
}

export function sm2PublicKeyOf(privateKeyHex: string): string {
  return sm2.getPublicKeyFromPrivateKey(privateKeyHex);
}

/** An incremental SM3 for files too large to hold in memory: Node's OpenSSL where it has SM3, else buffered pure JS. */
export interface Sm3Stream {
  update(chunk: Uint8Array): void;
  digestHex(): string;
}

export function sm3Stream(): Sm3Stream {
  if (getHashes().includes('sm3')) {
    const h = createHash('sm3');
    return { update: (c) => h.update(c), digestHex: () => h.digest('hex') };
  }
  const parts: Uint8Array[] = [];
  return {
    update: (c) => parts.push(Uint8Array.from(c)),
    digestHex: () => sm3(Buffer.concat(parts)),
  };
}
