import { createHash, createHmac, getHashes } from 'node:crypto';
import { sm3 } from 'sm-crypto-v2';

/** SM3 and HMAC-SM3 over bytes, as lowercase hex. */
export interface Sm3 {
  name: 'native' | 'js';
  hash(data: Uint8Array): string;
  hmac(key: Uint8Array, data: Uint8Array): string;
}

/** sm-crypto-v2's pure JavaScript: Electron's BoringSSL has no SM3. */
export const jsSm3: Sm3 = {
  name: 'js',
  hash: (data) => sm3(data),
  hmac: (key, data) => sm3(data, { mode: 'hmac', key }),
};

/** OpenSSL's, where the runtime has it (Node): about 7× faster on an upload batch’s 130 kB (docs/performance.md). */
export const nativeSm3: Sm3 = {
  name: 'native',
  hash: (data) => createHash('sm3').update(data).digest('hex'),
  hmac: (key, data) => createHmac('sm3', key).update(data).digest('hex'),
};

/** The runtime's own SM3 if its hash list has one, else the pure-JS one; both give the same bytes (test/unit/sm3.test.ts). */
export function pickSm3(hashes: readonly string[]): Sm3 {
  return hashes.includes('sm3') ? nativeSm3 : jsSm3;
}

export const SM3: Sm3 = pickSm3(getHashes());
