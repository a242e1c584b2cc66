import type { FastifyInstance } from 'fastify';
import type { Log } from '../log/logger.js';
import { PAGE_RETURN_PATH } from '../page/page-host.js';
import type { PageMode } from '../page/page-mode.js';
import { RETURN_PAGE_HEADERS } from '../util/csp.js';

const SESSION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `returnUrl` in the headless host (province-page.md): the province's page comes back here when the citizen is done.
 * Anyone can navigate here, so it ends nothing: the terminal only asks the province at once.
 */
export function pageReturnRoute(app: FastifyInstance, page: Pick<PageMode, 'returned'>, log: Log): void {
  app.get(PAGE_RETURN_PATH, async (req, reply) => {
    const raw = (req.query as Record<string, unknown>)['session'];
    if (typeof raw === 'string' && SESSION.test(raw)) page.returned(raw.toLowerCase());
    else log.warn({ session: String(raw).slice(0, 64) }, 'page-return without a session id ignored');
    return reply
      .headers(RETURN_PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>请稍候</title>' +
          '<body style="font:32px sans-serif;text-align:center;padding-top:30vh">请稍候…<br>Please wait…</body></html>',
      );
  });
}
