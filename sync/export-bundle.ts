import { z } from 'zod';
import { hmacHex, sm3Hex, type SignAlg } from './crypto/gm.js';
import type { EvaluationRecord } from './record.js';

export const BUNDLE_FORMAT = 'hcp-export/1';
/** province-api v1.1: a bundle holds at most this many records and bytes; `export` splits to fit. */
export const MAX_BUNDLE_RECORDS = 10_000;
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  terminalId: z.string().min(1),
  appKey: z.string().min(1),
  createdAt: z.string(),
  signAlg: z.enum(['HMAC-SM3', 'HMAC-SHA256']),
  records: z.array(z.unknown()),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});

export type ExportBundle = z.infer<typeof bundleSchema>;

function canonical(b: Omit<ExportBundle, 'signature'>): string {
  return JSON.stringify({ format: b.format, terminalId: b.terminalId, appKey: b.appKey, createdAt: b.createdAt, signAlg: b.signAlg, records: b.records });
}

/** A signed bundle of records for halls with no network: the HMAC under the app secret proves who made it. */
export function makeBundle(p: {
  terminalId: string;
  appKey: string;
  appSecret: string;
  signAlg: SignAlg;
  records: readonly EvaluationRecord[];
  createdAt?: string;
}): ExportBundle {
  const body: Omit<ExportBundle, 'signature'> = {
    format: BUNDLE_FORMAT,
    terminalId: p.terminalId,
    appKey: p.appKey,
    createdAt: p.createdAt ?? new Date().toISOString(),
    signAlg: p.signAlg,
    records: [...p.records],
  };
  return { ...body, signature: hmacHex(p.signAlg, p.appSecret, canonical(body)) };
}

export function verifyBundle(
  json: unknown,
  secretOf: (appKey: string) => string | null,
): { ok: true; terminalId: string; records: unknown[]; signature: string } | { ok: false; reason: 'format' | 'signature'; error: string } {
  const b = bundleSchema.safeParse(json);
  if (!b.success) return { ok: false, reason: 'format', error: 'not an export bundle of format hcp-export/1' };
  const secret = secretOf(b.data.appKey);
  if (!secret) return { ok: false, reason: 'signature', error: `unknown app key ${b.data.appKey}` };
  const { signature, ...body } = b.data;
  if (hmacHex(b.data.signAlg, secret, canonical(body)) !== signature) return { ok: false, reason: 'signature', error: 'the bundle signature does not verify' };
  return { ok: true, terminalId: b.data.terminalId, records: b.data.records, signature };
}

/**
 * What identifies a bundle: SM3 of its canonical text, the signature included. Not the signature alone, which a
 * changed copy can carry on: the copy and the genuine file are two bundles, and neither shuts the other out.
 */
export function bundleContentId(b: ExportBundle): string {
  const { signature, ...body } = b;
  return sm3Hex(canonical(body) + '\n' + signature);
}

export interface ForeignBundle {
  /** SM3 of the canonical bundle (bundleContentId). */
  bundleId: string;
  signature: string;
  terminalId: string;
  evalIds: string[];
  bundle: ExportBundle;
}

/** What a relaying terminal can check of another terminal's bundle without its secret: the shape, the limits, the record ids. */
export function readForeignBundle(text: string): ({ ok: true } & ForeignBundle) | { ok: false; error: string } {
  if (Buffer.byteLength(text) > MAX_BUNDLE_BYTES) return { ok: false, error: `larger than ${String(MAX_BUNDLE_BYTES / 2 ** 20)} MiB` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const b = bundleSchema.safeParse(json);
  if (!b.success) return { ok: false, error: 'not an export bundle of format hcp-export/1' };
  if (b.data.records.length === 0) return { ok: false, error: 'the bundle holds no records' };
  if (b.data.records.length > MAX_BUNDLE_RECORDS) return { ok: false, error: `more than ${String(MAX_BUNDLE_RECORDS)} records; export again (export splits)` };
  const ids = z.array(z.object({ evalId: z.string().min(1).max(64) })).safeParse(b.data.records);
  if (!ids.success) return { ok: false, error: 'a record has no evalId' };
  return {
    ok: true,
    bundleId: bundleContentId(b.data),
    signature: b.data.signature,
    terminalId: b.data.terminalId,
    evalIds: ids.data.map((r) => r.evalId),
    bundle: b.data,
  };
}
