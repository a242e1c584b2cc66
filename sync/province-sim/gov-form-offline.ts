/** The province's reading of a gov-form offline QR code (province-gov-form.md, evaluation/url). */

const KEYS = ['evaluateChannel', 'projNo', 'serviceNumber', 'terminalId', 'transactionTime'] as const;
export type OfflineParam = Record<(typeof KEYS)[number], string>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function unbase64(s: string): string | null {
  if (!BASE64.test(s)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(s, 'base64'));
  } catch {
    return null;
  }
}

/**
 * `param` as the page receives it (percent-decoded once, from its URL): base64 of base64 of the query, standard
 * alphabet with padding, the query's five keys in order with each value percent-encoded. Null when it is not that.
 */
export function decodeOfflineParam(param: string): OfflineParam | null {
  const inner = unbase64(param);
  const query = inner === null ? null : unbase64(inner);
  if (query === null) return null;
  const pairs = query.split('&').map((p) => p.split('='));
  if (pairs.length !== KEYS.length || pairs.some((p, i) => p.length !== 2 || p[0] !== KEYS[i])) return null;
  const values: string[] = [];
  for (const [, raw] of pairs) {
    let v: string;
    try {
      v = decodeURIComponent(raw ?? '');
    } catch {
      return null;
    }
    // Each value percent-encoded as encodeURIComponent does it, so a page that decodes it once reads it back.
    if (encodeURIComponent(v) !== raw) return null;
    values.push(v);
  }
  const [evaluateChannel, projNo, serviceNumber, terminalId, transactionTime] = values;
  if (evaluateChannel !== 'PJQ' || !projNo || !serviceNumber || !terminalId || transactionTime === undefined) return null;
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(transactionTime)) return null;
  return { evaluateChannel, projNo, serviceNumber, terminalId, transactionTime };
}
