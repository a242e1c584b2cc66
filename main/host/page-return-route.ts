import type { FastifyInstance } from 'fastify';
import type { LimitedWarn } from '../log/limited-warn.js';
import { PAGE_RETURN_PATH } from '../page/page-host.js';
import type { PageMode } from '../page/page-mode.js';
import { RETURN_PAGE_HEADERS } from '../util/csp.js';

const SESSION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `returnUrl` in the headless host (province-page.md): the province's page comes back here when the citizen is done.
 * Anyone can navigate here, so it ends nothing: the terminal only asks the province at once.
 */
export function pageReturnRoute(app: FastifyInstance, page: Pick<PageMode, 'returned'>, warn: LimitedWarn): void {
  app.get(PAGE_RETURN_PATH, async (req, reply) => {
    const raw = (req.query as Record<string, unknown>)['session'];
    // Any process on the machine can call this: what it does wrong is logged rate-limited (issue 25, item 8).
    if (typeof raw !== 'string' || !SESSION.test(raw)) warn('page-return', 'page-return without a session id ignored', { session: String(raw).slice(0, 64) });
    else if (!page.returned(raw.toLowerCase())) warn('page-return', 'page-return for no page shown ignored', { session: raw.slice(0, 64) });
    return reply
      .headers(RETURN_PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>请稍候</title>' +
          '<body style="font:32px sans-serif;text-align:center;padding-top:30vh">请稍候…<br>Please wait…</body></html>',
      );
  });
}
