import type { FastifyRequest } from 'fastify';
import { sm2DecryptHex } from '../crypto/gm.js';
import { parseCstCompact, readForm } from './gov-form-wire.js';

/**
 * The gov-form simulator's opening of a request (province-gov-form.md), apart from what it judges inside: the four
 * form fields, the app, the SM2 `sign` with its 300 s window and replay check, then the payload decrypted with the
 * province's private key, or the refusal its envelope carries.
 */

export const SKEW_MS = 300_000;

export interface GovFormSignContext {
  /** appMark → appWord (the simulator's own map: an app registered later counts). */
  apps: ReadonlyMap<string, string>;
  privateKey: string;
  now: () => number;
  stats: { invalidRequests: number; invalidSignatures: number; clockSkews: number; replayedSigns: number };
  unknownAppMessage?: ((appMark: string) => string) | undefined;
}

export type OpenRequest = (req: FastifyRequest) => { payload: unknown } | { refusal: string };

export function govFormOpener(c: GovFormSignContext): OpenRequest {
  const { apps, privateKey, now, stats } = c;
  const signs = new Map<string, number>();
  /** The four fields, the app, the sign, its time and its freshness; then the decrypted payload, or a refusal. */
  return (req) => {
    const form = readForm(req.headers['content-type'], req.body);
    if ('refusal' in form) return (stats.invalidRequests++, form);
    const appWord = apps.get(form.appMark);
    if (appWord === undefined) {
      stats.invalidSignatures++;
      return { refusal: c.unknownAppMessage?.(form.appMark) ?? `验签失败：签名无效，appMark "${form.appMark}" 未注册` };
    }
    const time = parseCstCompact(form.time);
    if (time === null) return (stats.invalidRequests++, { refusal: 'time 格式错误：应为 yyyyMMddHHmmss（北京时间）' });
    const signed = sm2DecryptHex(form.sign, privateKey);
    if (signed === null) return (stats.invalidSignatures++, { refusal: '验签失败：签名无法用平台私钥解密' });
    if (signed !== form.time + form.appMark + appWord) return (stats.invalidSignatures++, { refusal: '验签失败：签名内容与 time、appMark、appWord 不符' });
    if (Math.abs(now() - time) > SKEW_MS) return (stats.clockSkews++, { refusal: '时间戳超出有效范围' });
    if (signs.has(form.sign)) return (stats.replayedSigns++, { refusal: '签名已使用' });
    signs.set(form.sign, now());
    if (signs.size > 50_000) for (const [s, t] of signs) if (now() - t > 2 * SKEW_MS) signs.delete(s);
    let params: unknown;
    try {
      params = JSON.parse(form.params);
    } catch {
      params = undefined;
    }
    const data = typeof params === 'object' && params !== null && Object.keys(params).length === 1 && 'data' in params ? params.data : undefined;
    if (typeof data !== 'string') return (stats.invalidRequests++, { refusal: 'params 格式错误：应为 {"data":"<SM2 密文>"}' });
    const plain = sm2DecryptHex(data, privateKey);
    if (plain === null) return (stats.invalidRequests++, { refusal: 'params.data 无法用平台私钥解密' });
    try {
      return { payload: JSON.parse(plain) as unknown };
    } catch {
      return (stats.invalidRequests++, { refusal: 'params.data 解密后不是 JSON' });
    }
  };
}
