/**
 * 国密 primitives: SM3 from the runtime's OpenSSL where it has one, else pure JS (./sm3.ts); SM2 through a pure-JS
 * library, because Electron's BoringSSL has no SM2. Everything the terminal hashes or signs goes through here.
 */
import { sm2 } from 'sm-crypto-v2';
import { createHash, createHmac } from 'node:crypto';
import { SM3 } from './sm3.js';

export type SignAlg = 'HMAC-SM3' | 'HMAC-SHA256';

export function sm3Hex(data: string | Uint8Array): string {
  return SM3.hash(typeof data === 'string' ? utf8(data) : data);
}

export function hashHex(alg: SignAlg, data: string | Uint8Array): string {
  if (alg === 'HMAC-SM3') return sm3Hex(data);
  return createHash('sha256').update(data).digest('hex');
}

export function hmacHex(alg: SignAlg, key: string | Uint8Array, data: string | Uint8Array): string {
  const keyBytes = typeof key === 'string' ? utf8(key) : key;
  const dataBytes = typeof data === 'string' ? utf8(data) : data;
  if (alg === 'HMAC-SM3') return SM3.hmac(keyBytes, dataBytes);
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
