import { originOf } from './settings.js';

/** Why the terminal would not show a page it fetched itself (province-page.md, condition 2). */
export type FetchRefusal = 'fetch-failed' | 'not-200' | 'not-html' | 'redirect-off-origin';

const MAX_REDIRECTS = 3;

/**
 * GETs the province's page as the frame would, before the frame does: no cookies, `timeoutMs` in all, redirects
 * followed by hand and only within `origins`, and the answer must be 200 `text/html`. Never throws.
 */
export async function checkPage(
  url: string,
  origins: readonly string[],
  timeoutMs: number,
  /** The province transport's (its proxy and CAs), as for every other province request. */
  fetchImpl: typeof fetch = fetch,
): Promise<{ ok: true } | { ok: false; reason: FetchRefusal; detail: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  let at = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await fetchImpl(at, { method: 'GET', redirect: 'manual', credentials: 'omit', signal, headers: { accept: 'text/html' } });
      await res.body?.cancel();
      if (res.status >= 300 && res.status < 400) {
        const next = res.headers.get('location');
        const target = next ? new URL(next, at).href : '';
        const origin = originOf(target);
        if (!origin || !origins.includes(origin)) return { ok: false, reason: 'redirect-off-origin', detail: target.slice(0, 200) };
        at = target;
        continue;
      }
      if (res.status !== 200) return { ok: false, reason: 'not-200', detail: `HTTP ${String(res.status)}` };
      const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'text/html') return { ok: false, reason: 'not-html', detail: type ?? '' };
      return { ok: true };
    }
    return { ok: false, reason: 'fetch-failed', detail: 'too many redirects' };
  } catch (err) {
    return { ok: false, reason: 'fetch-failed', detail: (err as Error).message.slice(0, 200) };
  }
}
