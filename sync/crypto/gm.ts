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
  return 'sm2:' + sm2EncryptHex(plain, publicKeyHex);
}

/**
 * SM2 public-key encryption of UTF-8 text: lower-case hex of C1 ‖ C3 ‖ C2 (GM/T 0003-2012), C1 uncompressed with its
 * `04` prefix (the library leaves the prefix out). Randomised: the same text never encrypts the same way twice.
 */
export function sm2EncryptHex(plain: string, publicKeyHex: string): string {
  const C1C3C2 = 1;
  return '04' + sm2.doEncrypt(utf8(plain), precomputed(publicKeyHex), C1C3C2).toLowerCase();
}

/** The key's multiples, computed once: a gov-form request encrypts twice, and this makes each about three times faster. */
const points = new Map<string, ReturnType<typeof sm2.precomputePublicKey>>();
function precomputed(publicKeyHex: string): ReturnType<typeof sm2.precomputePublicKey> {
  let p = points.get(publicKeyHex);
  if (!p) {
    // A terminal has one province key; a test run a few. Bounded all the same.
    if (points.size >= 8) points.clear();
    p = sm2.precomputePublicKey(publicKeyHex);
    points.set(publicKeyHex, p);
  }
  return p;
}

export function isValidSm2PublicKey(hex: string): boolean {
  try {
    return /^04[0-9a-fA-F]{128}$/.test(hex) && sm2.verifyPublicKey(hex);
  } catch {
    return false;
  }
}

/** A fresh SM2 key pair, both as hex; the public key uncompressed with its `04` prefix. */
export function sm2KeyPair(): { publicKey: string; privateKey: string } {
  const k = sm2.generateKeyPairHex();
  return { publicKey: k.publicKey, privateKey: k.privateKey };
}

/** The public key of an SM2 private key (hex), uncompressed with its `04` prefix. */
export function sm2PublicKeyOf(privateKeyHex: string): string {
  return sm2.getPublicKeyFromPrivateKey(privateKeyHex);
}

/**
 * Decrypts lower-case hex `C1 ‖ C3 ‖ C2` (C1 uncompressed, with its `04` prefix) to UTF-8 text: null when it is not
 * such a ciphertext, not under this key, altered, or not UTF-8. The province's side; the terminal never decrypts.
 */
export function sm2DecryptHex(cipherHex: string, privateKeyHex: string): string | null {
  // 04, C1's two coordinates (128 hex), C3 (64 hex), at least one byte of C2.
  if (!/^04[0-9a-f]{194,}$/.test(cipherHex) || cipherHex.length % 2 !== 0) return null;
  const C1C3C2 = 1;
  try {
    const plain = sm2.doDecrypt(cipherHex.slice(2), privateKeyHex, C1C3C2, { output: 'array' });
    return plain.length === 0 ? null : new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return null;
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

/** An incremental SM3 for files too large to hold in memory: Node's OpenSSL where it has SM3, else buffered pure JS. */
export interface Sm3Stream {
  update(chunk: Uint8Array): void;
  digestHex(): string;
}

export function sm3Stream(): Sm3Stream {
  if (SM3.name === 'native') {
    const h = createHash('sm3');
    return { update: (c) => h.update(c), digestHex: () => h.digest('hex') };
  }
  const parts: Uint8Array[] = [];
  return {
    update: (c) => parts.push(Uint8Array.from(c)),
    digestHex: () => SM3.hash(Buffer.concat(parts)),
  };
}
