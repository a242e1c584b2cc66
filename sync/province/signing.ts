import { randomBytes } from 'node:crypto';
import { hashHex, hmacHex, type SignAlg } from '../crypto/gm.js';

export interface Credentials {
  appKey: string;
  appSecret: string;
  terminalId: string;
  signAlg: SignAlg;
}

/** `METHOD \n PATH(with query) \n TIMESTAMP \n NONCE \n hex(H(body))` (province-api.md, Signing). */
export function canonicalString(method: string, path: string, timestamp: string, nonce: string, body: string, alg: SignAlg): string {
  return [method.toUpperCase(), path, timestamp, nonce, hashHex(alg, body)].join('\n');
}

export function signature(c: Pick<Credentials, 'appSecret' | 'signAlg'>, method: string, path: string, timestamp: string, nonce: string, body: string): string {
  return hmacHex(c.signAlg, c.appSecret, canonicalString(method, path, timestamp, nonce, body, c.signAlg));
}

/** The six X-HCP headers for one request, signed at `timestampMs` (the terminal's corrected clock). */
export function signedHeaders(c: Credentials, method: string, path: string, body: string, timestampMs: number): Record<string, string> {
  const timestamp = String(Math.round(timestampMs));
  const nonce = randomBytes(16).toString('hex');
  return {
    'X-HCP-AppKey': c.appKey,
    'X-HCP-Terminal': c.terminalId,
    'X-HCP-Timestamp': timestamp,
    'X-HCP-Nonce': nonce,
    'X-HCP-SignAlg': c.signAlg,
    'X-HCP-Signature': signature(c, method, path, timestamp, nonce, body),
  };
}
