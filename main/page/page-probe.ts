import type { LinkOutcome, PageSource } from '../../sync/province/adapter.js';
import { checkPage } from './page-fetch.js';
import { originOf, PAGE_LINK_TIMEOUT_MS, type PageSettings } from './settings.js';

/** What 测试连接 says of page mode: whether an invitation now would show the province's page, and if not, why. */
export interface PageProbe {
  shown: boolean;
  message: string;
}

/**
 * Page mode's part of 测试连接 (issue 26): the first two of province-page.md's conditions, with the settings as typed —
 * a link within 3 s on one of the allowed origins, and the terminal's own GET of it answered 200 HTML. The third (the
 * frame loading) needs a screen; the terminal checks it at every invitation.
 */
export async function probePage(o: { source: PageSource | undefined; settings: PageSettings; terminalId: string; fetch: typeof fetch }): Promise<PageProbe> {
  if (!o.source) return { shown: false, message: 'this province dialect offers no evaluation page' };
  const link: LinkOutcome = await o.source
    .pageLink(
      {
        terminalId: o.terminalId,
        sessionId: 'connection-test',
        proManager: 'connection-test',
        returnUrl: 'http://127.0.0.1/page-return?session=connection-test',
      },
      PAGE_LINK_TIMEOUT_MS,
    )
    .catch((err: unknown) => ({ kind: 'transient', reason: (err as Error).message }));
  if (link.kind !== 'link') {
    const why = link.kind === 'transient' ? link.reason : link.kind === 'refused' ? `${link.code}: ${link.message}` : link.kind;
    return { shown: false, message: `no page: the province gave no evaluation page link (${why}); the terminal's own screen would be shown` };
  }
  const origin = originOf(link.url);
  if (!origin || !o.settings.origins.includes(origin)) {
    return {
      shown: false,
      message: `no page: its address ${origin ?? link.url.slice(0, 80)} is not one of province.page.origins (${o.settings.origins.join(', ')})`,
    };
  }
  const checked = await checkPage(link.url, o.settings.origins, o.settings.loadTimeoutMs, o.fetch);
  if (!checked.ok)
    return { shown: false, message: `no page: fetching it gave ${checked.reason} (${checked.detail}); the terminal's own screen would be shown` };
  return { shown: true, message: `the province's page would be shown (${origin})` };
}
