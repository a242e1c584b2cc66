import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SignAlg } from '../crypto/gm.js';
import { signature } from '../province/signing.js';

/**
 * The hcp-json simulator's check of a request's X-HCP headers (province-api.md, authentication), apart from the
 * routes it guards: the app key, the algorithm, the signature over the canonical string, the 300 s window and the
 * nonces seen before. A request that fails is answered here with the spec's error.
 */

export interface HcpJsonAuthContext {
  /** appKey → appSecret. */
  apps: ReadonlyMap<string, string>;
  now: () => number;
  err: (reply: FastifyReply, status: number, code: string, message: string, extra?: object) => FastifyReply;
  stats: { invalidSignatures: number; clockSkews: number; replayedNonces: number };
}

export type Authenticate = (req: FastifyRequest, reply: FastifyReply) => { terminalId: string; secret: string; alg: SignAlg } | null;

/** Checks the X-HCP headers; answers the request itself when they fail. */
export function hcpJsonAuthenticate(c: HcpJsonAuthContext): Authenticate {
  const { apps, now, err, stats } = c;
  const nonces = new Map<string, number>();
  return (req, reply) => {
    const h = (name: string) => {
      const v = req.headers[name.toLowerCase()];
      return typeof v === 'string' ? v : '';
    };
    const appKey = h('X-HCP-AppKey');
    const secret = apps.get(appKey);
    if (!secret) return (void err(reply, 401, 'UNKNOWN_APP_KEY', `unknown app key "${appKey}"`), null);
    const alg = h('X-HCP-SignAlg') || 'HMAC-SM3';
    if (alg !== 'HMAC-SM3' && alg !== 'HMAC-SHA256') return (void err(reply, 400, 'INVALID_REQUEST', `X-HCP-SignAlg ${alg} is not supported`), null);
    const ts = h('X-HCP-Timestamp');
    const nonce = h('X-HCP-Nonce');
    const body = typeof req.body === 'string' ? req.body : '';
    if (
      !/^\d+$/.test(ts) ||
      !/^[0-9a-f]{16,}$/i.test(nonce) ||
      signature({ appSecret: secret, signAlg: alg }, req.method, req.url, ts, nonce, body) !== h('X-HCP-Signature')
    ) {
      stats.invalidSignatures++;
      return (void err(reply, 401, 'BAD_SIGNATURE', 'the signature does not match the canonical string'), null);
    }
    if (Math.abs(now() - Number(ts)) > 300_000) {
      stats.clockSkews++;
      return (void err(reply, 401, 'CLOCK_SKEW', 'X-HCP-Timestamp is more than 300 s off', { serverTime: now() }), null);
    }
    if (nonces.has(nonce)) {
      stats.replayedNonces++;
      return (void err(reply, 401, 'REPLAYED_NONCE', 'this nonce was used before'), null);
    }
    nonces.set(nonce, now());
    if (nonces.size > 50_000) for (const [n, t] of nonces) if (now() - t > 600_000) nonces.delete(n);
    return { terminalId: h('X-HCP-Terminal'), secret, alg };
  };
}
