import { TransportFailure } from '../net/failure-words.js';

/** What every dialect's HTTP client shares: bounded replies, socket error names, `Retry-After`. */

/** Replies larger than this are cut off and treated as garbage: a province (or a man in the middle) cannot fill the memory. */
export const MAX_REPLY_BYTES = 1024 * 1024;
/** What a `Retry-After` may ask: at least a second, at most 300 s (both dialects). */
export const RETRY_AFTER_MIN_MS = 1_000;
export const RETRY_AFTER_MAX_MS = 300_000;

/** The socket's error code (ECONNREFUSED, ECONNRESET …) from undici's wrapped errors, else the message. */
export function socketCode(e: Error): string {
  let c: unknown = e;
  for (let depth = 0; depth < 4 && c; depth++) {
    const x = c as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof x.code === 'string' && !x.code.startsWith('UND_ERR_')) return x.code;
    c = x.errors?.[0] ?? x.cause;
  }
  return e.message;
}

/** Why a request got no answer at all, in words. */
export function networkFailure(err: unknown, timeoutMs: number): string {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e instanceof ReplyTooLarge || e instanceof TransportFailure) return e.message;
  return e.name === 'TimeoutError' ? `no answer within ${String(timeoutMs)} ms` : `connection failed: ${socketCode(e)}`;
}

const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * `Retry-After` as delta-seconds or an IMF-fixdate, clamped to 1 s … 300 s; anything else (`Infinity`, `-1`,
 * `soon`, a number past 2^31 ms) is treated as absent (null: the uploader's own backoff decides).
 */
export function retryAfter(h: string | null, now = Date.now()): number | null {
  const v = h?.trim() ?? '';
  let ms: number;
  if (/^\d{1,12}$/.test(v)) ms = Number(v) * 1000;
  else if (HTTP_DATE.test(v) && Number.isFinite(Date.parse(v))) ms = Date.parse(v) - now;
  else return null;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, ms));
}

export class ReplyTooLarge extends Error {}

/** The body as text, read up to `max` bytes; a longer one is abandoned (the connection is cancelled). */
export async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new ReplyTooLarge(`reply of ${String(declared)} bytes is larger than ${String(max)}`);
  }
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new ReplyTooLarge(`reply larger than ${String(max)} bytes; cut off`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
