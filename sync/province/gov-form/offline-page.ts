import { cstDateTime } from './wire.js';

/** Where `offlinePageTemplate` puts the encoded query. */
export const PARAM_PLACEHOLDER = '{param}';
/** When provisioning names no template: the province's H5 rating page at its origin (the spec's example). */
export const DEFAULT_OFFLINE_PAGE_PATH = '/h5/pj?param={param}';

export interface OfflinePageRequest {
  projectNo: string;
  sessionId: string;
  terminalId: string;
  /** When the invitation opened, ms (the terminal's corrected clock). */
  at: number;
}

/** `evaluateChannel=PJQ&projNo=…&serviceNumber=…&terminalId=…&transactionTime=…`, each value percent-encoded (UTF-8). */
export function offlinePageQuery(r: OfflinePageRequest): string {
  const pairs: [string, string][] = [
    ['evaluateChannel', 'PJQ'],
    ['projNo', r.projectNo],
    ['serviceNumber', r.sessionId],
    ['terminalId', r.terminalId],
    ['transactionTime', cstDateTime(r.at)],
  ];
  return pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/** The template with `{param}` = `encodeURIComponent(base64(base64(query)))` (standard alphabet, padded). */
export function offlinePageUrl(template: string, r: OfflinePageRequest): string {
  const once = Buffer.from(offlinePageQuery(r), 'utf8').toString('base64');
  const twice = Buffer.from(once, 'utf8').toString('base64');
  return template.replaceAll(PARAM_PLACEHOLDER, encodeURIComponent(twice));
}

export function defaultOfflinePageTemplate(baseUrl: string): string {
  return new URL(baseUrl).origin + DEFAULT_OFFLINE_PAGE_PATH;
}
