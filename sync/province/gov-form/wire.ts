import { z } from 'zod';
import { sm2EncryptHex } from '../../crypto/gm.js';
import { saysUnknownApp } from '../credentials.js';

const CST_OFFSET_MS = 8 * 3_600_000;

function cstParts(ms: number): string[] {
  const d = new Date(ms + CST_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return [String(d.getUTCFullYear()), p(d.getUTCMonth() + 1), p(d.getUTCDate()), p(d.getUTCHours()), p(d.getUTCMinutes()), p(d.getUTCSeconds())];
}

/** `yyyyMMddHHmmss`, China Standard Time (UTC+8): the request's `time`. */
export function cstCompact(ms: number): string {
  return cstParts(ms).join('');
}

/** `yyyy-MM-dd HH:mm:ss`, China Standard Time (UTC+8): the payloads' times. */
export function cstDateTime(ms: number): string {
  const [y, mo, d, h, mi, s] = cstParts(ms);
  return `${y ?? ''}-${mo ?? ''}-${d ?? ''} ${h ?? ''}:${mi ?? ''}:${s ?? ''}`;
}

export interface GovFormCredentials {
  appMark: string;
  appWord: string;
  sm2PublicKey: string;
}

/**
 * The form of one request: exactly `appMark`, `time`, `sign` and `params`. `sign` and the payload are encrypted anew
 * for every attempt, so a retried request never carries a `sign` the province has seen (it refuses replays).
 */
export function formBody(c: GovFormCredentials, nowMs: number, payload: object): string {
  const time = cstCompact(nowMs);
  const sign = sm2EncryptHex(time + c.appMark + c.appWord, c.sm2PublicKey);
  const params = JSON.stringify({ data: sm2EncryptHex(JSON.stringify(payload), c.sm2PublicKey) });
  return new URLSearchParams({ appMark: c.appMark, time, sign, params }).toString();
}

/** The only answer the province itself gives (HTTP 200). Anything else is the gateway's or garbage: never a verdict. */
export const envelopeSchema = z.object({
  code: z.enum(['0', '1']),
  success: z.enum(['true', 'false']),
  message: z.string(),
  data: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** What a `success: "false"` message means, by the words the spec gives (a message may say more around them). */
export type Refusal = 'duplicate' | 'service-missing' | 'service-exists' | 'clock' | 'unknown-app' | 'sign' | 'invalid';

export function classifyMessage(message: string): Refusal {
  if (message.includes('评价数据不可重复')) return 'duplicate';
  if (message.includes('没有对应的服务数据')) return 'service-missing';
  if (message.includes('服务数据已存在')) return 'service-exists';
  if (message.includes('时间戳超出有效范围')) return 'clock';
  // Not a fault of the record: the province does not know the app (yet), in the words the connection test knows (credentials.ts).
  if (saysUnknownApp(message)) return 'unknown-app';
  // The spec's own examples: 签名已使用, and 验签失败, which names the check rather than the word 签名.
  if (message.includes('签名') || message.includes('验签')) return 'sign';
  return 'invalid';
}
