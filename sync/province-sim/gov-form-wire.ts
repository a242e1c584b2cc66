/** The gov-form dialect's wire, as the province reads it: the four form fields, the CST clock, the answer envelope. */

const CST_MS = 8 * 3600_000;
export const FORM_FIELDS = ['appMark', 'time', 'sign', 'params'] as const;
export type Form = Record<(typeof FORM_FIELDS)[number], string>;

export interface Envelope {
  code: '0' | '1';
  success: 'true' | 'false';
  message: string;
  data: Record<string, unknown> | null;
}

export const ok = (data: Record<string, unknown> | null = null, message = '成功'): Envelope => ({ code: '0', success: 'true', message, data });
export const fail = (message: string): Envelope => ({ code: '1', success: 'false', message, data: null });

/** Exactly the four fields, each once, form-encoded UTF-8; a refusal message otherwise. */
export function readForm(contentType: string | undefined, body: unknown): Form | { refusal: string } {
  const type = (contentType ?? '')
    .toLowerCase()
    .split(';')
    .map((p) => p.trim());
  if (type[0] !== 'application/x-www-form-urlencoded')
    return { refusal: `请求格式错误：Content-Type 应为 application/x-www-form-urlencoded，而不是 "${contentType ?? ''}"` };
  const charset = type.find((p) => p.startsWith('charset='));
  if (charset && charset !== 'charset=utf-8') return { refusal: `请求格式错误：字符集应为 UTF-8，而不是 ${charset.slice(8)}` };
  if (typeof body !== 'string') return { refusal: '请求格式错误：请求体为空' };
  const params = new URLSearchParams(body);
  const names = [...params.keys()];
  const extra = names.filter((n) => !(FORM_FIELDS as readonly string[]).includes(n));
  if (extra.length > 0) return { refusal: `请求参数错误：多余的字段 ${extra.join('、')}` };
  for (const f of FORM_FIELDS) {
    const values = params.getAll(f);
    if (values.length !== 1 || values[0] === '') return { refusal: values.length > 1 ? `请求参数错误：字段 ${f} 重复` : `请求参数错误：缺少字段 ${f}` };
  }
  const one = (f: (typeof FORM_FIELDS)[number]) => params.get(f) ?? '';
  return { appMark: one('appMark'), time: one('time'), sign: one('sign'), params: one('params') };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `yyyyMMddHHmmss` in China Standard Time. */
export function cstCompact(ms: number): string {
  const d = new Date(ms + CST_MS);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** `yyyy-MM-dd HH:mm:ss` in China Standard Time. */
export function cstDateTime(ms: number): string {
  const c = cstCompact(ms);
  return `${c.slice(0, 4)}-${c.slice(4, 6)}-${c.slice(6, 8)} ${c.slice(8, 10)}:${c.slice(10, 12)}:${c.slice(12, 14)}`;
}

function fromParts(parts: string[]): number | null {
  const [y, mo, d, h, mi, s] = parts.map(Number);
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined || s === undefined) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March: a date that does not read back the same does not exist.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return ms - CST_MS;
}

/** Epoch ms of a `yyyyMMddHHmmss` CST time, or null when it is not one. */
export function parseCstCompact(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  return m ? fromParts(m.slice(1)) : null;
}

/** Epoch ms of a `yyyy-MM-dd HH:mm:ss` CST time, or null when it is not one. */
export function parseCstDateTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  return m ? fromParts(m.slice(1)) : null;
}
