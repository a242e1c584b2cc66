import Fastify, { type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { drawPageFault, type Faults, type PageFaultKind } from './faults.js';
import { htmlError } from './gateway.js';

/**
 * The loopback address the simulators' evaluation page (province-page.md) is served on: another host than the
 * terminal's own 127.0.0.1, as a real province's page is, so page mode's origin rules hold in tests and the demo.
 * Linux routes the whole of 127.0.0.0/8 to loopback.
 */
export const PAGE_HOST = '127.0.0.2';

/** The five levels as the page shows them, best first, in the terminal's numbering (5 = 非常满意). */
const LEVELS: readonly [number, string][] = [
  [5, '非常满意'],
  [4, '满意'],
  [3, '基本满意'],
  [2, '不满意'],
  [1, '非常不满意'],
];

export const DUPLICATE_MESSAGE = '评价数据不可重复';

/** One page the province issued: which service it rates and where it returns. */
export interface PageTicket {
  /** The simulator's key for the service (hcp-json: terminal and session; gov-form: projectNo and serviceNumber). */
  service: string;
  returnUrl: string;
}

/** A rating the province holds for a service, made on its page or on a phone (not one a terminal uploaded). */
export interface HeldPageRating {
  /** 1–5, 5 = 非常满意. */
  satisfaction: number;
  evalId: string;
  assessTime: string;
  via: 'page' | 'phone' | 'uploaded';
}

export interface PageHostOptions {
  host?: string | undefined;
  /** The port to try first (the API's, so the page origin follows from the API's); any free one when taken. */
  port?: number | undefined;
  faults: () => Faults;
  random: () => number;
  counts: Record<string, number>;
  ticket: (token: string) => PageTicket | undefined;
  /** Stores the page's rating for the service; false when the province holds one already. */
  rate: (service: string, satisfaction: number) => boolean;
}

const rateBody = z.strictObject({ satisfaction: z.number().int().min(1).max(5) });

/** The evaluation page: five buttons, the rating posted to its own origin, then the frame goes to `returnUrl`. */
function pageHtml(token: string, returnUrl: string): string {
  // JSON in a script: `<` escaped so that no value closes the element.
  const data = JSON.stringify({ token, returnUrl }).replaceAll('<', '\\u003c');
  const buttons = LEVELS.map(([level, text]) => `<button type="button" data-level="${String(level)}">${text}</button>`).join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>政务服务评价</title>
<style>body{font-family:sans-serif;text-align:center;margin:2em}button{display:block;width:80%;margin:.6em auto;padding:1em;font-size:1.4em}</style>
</head><body>
<h1>请对本次服务进行评价</h1>
${buttons}
<p id="message" role="status"></p>
<script>
const page = ${data};
for (const b of document.querySelectorAll('button')) {
  b.addEventListener('click', async () => {
    for (const x of document.querySelectorAll('button')) x.disabled = true;
    const res = await fetch('/h5/eval/' + encodeURIComponent(page.token) + '/rate', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ satisfaction: Number(b.dataset.level) }),
    }).catch(() => null);
    const answer = res ? await res.json().catch(() => null) : null;
    document.getElementById('message').textContent = answer ? answer.message : '网络异常';
    location.href = page.returnUrl;
  });
}
</script>
</body></html>`;
}

/** The province's H5 page on an origin of its own: a second loopback server beside the simulator's API. */
export async function startPageHost(o: PageHostOptions): Promise<{ origin: string; pageUrl: (token: string) => string; close: () => Promise<void> }> {
  const host = o.host ?? PAGE_HOST;
  let app = pageApp(o);
  try {
    await app.listen({ port: o.port ?? 0, host });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !o.port) throw err;
    await app.close();
    app = pageApp(o);
    await app.listen({ port: 0, host });
  }
  const port = (app.server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  return { origin, pageUrl: (token) => `${origin}/h5/eval/${encodeURIComponent(token)}`, close: () => app.close() };
}

function pageApp(o: PageHostOptions) {
  const app = Fastify({ bodyLimit: 4096, logger: false, forceCloseConnections: true });
  const answer = (reply: FastifyReply, success: boolean, message: string, extra: object = {}) =>
    reply.send({ code: success ? '0' : '1', success: String(success), message, ...extra });

  app.get<{ Params: { token: string } }>('/h5/eval/:token', async (req, reply) => {
    const t = o.ticket(req.params.token);
    if (!t) return reply.code(404).type('text/html').send('<h1>评价页面已失效</h1>');
    if (drawPageFault(o.faults(), 'page500', o.random)) {
      o.counts['page500'] = (o.counts['page500'] ?? 0) + 1;
      return htmlError(reply, 500);
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(pageHtml(req.params.token, t.returnUrl));
  });
  app.post<{ Params: { token: string } }>('/h5/eval/:token/rate', async (req, reply) => {
    const t = o.ticket(req.params.token);
    if (!t) return reply.code(404).send({ code: '1', success: 'false', message: '评价页面已失效' });
    const body = rateBody.safeParse(req.body);
    if (!body.success) return answer(reply.code(400), false, '参数校验失败：satisfaction 应为 1–5');
    return o.rate(t.service, body.data.satisfaction) ? answer(reply, true, '评价成功，感谢您的评价') : answer(reply, false, DUPLICATE_MESSAGE);
  });
  return app;
}

/** Where a `foreignUrl` fault sends the terminal: an origin no province page is provisioned on. */
export const FOREIGN_PAGE_ORIGIN = 'https://foreign.example.invalid';

/** How long a `statusSlow` answer waits: past any status call's timeout (province-page.md polls every 0.5–10 s). */
export const SLOW_STATUS_MS = 20_000;

/** Answers held back by `statusSlow`, dropped when the simulator closes. */
export function slowAnswers(): { later: (send: () => void) => void; clear: () => void } {
  const timers = new Set<NodeJS.Timeout>();
  return {
    later: (send) => {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, SLOW_STATUS_MS);
      timers.add(t);
    },
    clear: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

export interface PageDeskOptions {
  host?: string | undefined;
  /** The API's port: the page takes the same number on its own host when it is free. */
  port: number;
  faults: () => Faults;
  random: () => number;
  counts: Record<string, number>;
  /** The province's clock as its ratings carry `assessTime`. */
  stamp: () => string;
  /** The rating a terminal uploaded for the service, when there is one (a rating "however it was made"). */
  uploaded: (service: string) => HeldPageRating | undefined;
}

/**
 * What either simulator keeps for page mode: the pages issued, the ratings made on them or on a phone (by the
 * dialect's service key), the page host, and the page faults, counted where the gateway's are.
 */
export async function startPageDesk(o: PageDeskOptions) {
  const links = new Map<string, PageTicket>();
  const ratings = new Map<string, HeldPageRating>();
  const slow = slowAnswers();
  const fault = (kind: PageFaultKind): boolean => {
    if (!drawPageFault(o.faults(), kind, o.random)) return false;
    o.counts[kind] = (o.counts[kind] ?? 0) + 1;
    return true;
  };
  const held = (service: string): HeldPageRating | undefined => ratings.get(service) ?? o.uploaded(service);
  /** One rating per service: false (评价数据不可重复) when the province holds one already. */
  const rate = (service: string, satisfaction: number, via: HeldPageRating['via']): boolean => {
    if (held(service)) return false;
    ratings.set(service, { satisfaction, evalId: randomUUID(), assessTime: o.stamp(), via });
    return true;
  };
  const host = await startPageHost({
    host: o.host,
    port: o.port,
    faults: o.faults,
    random: o.random,
    counts: o.counts,
    ticket: (token) => links.get(token),
    rate: (service, satisfaction) => rate(service, satisfaction, 'page'),
  });
  return {
    origin: host.origin,
    ratings,
    fault,
    held,
    rate,
    /** A page for the service; the `foreignUrl` fault names one off the province's origins. */
    issue(service: string, returnUrl: string): string {
      const token = randomUUID();
      links.set(token, { service, returnUrl });
      return fault('foreignUrl') ? `${FOREIGN_PAGE_ORIGIN}/h5/eval/${token}` : host.pageUrl(token);
    },
    later: slow.later,
    async close() {
      slow.clear();
      await host.close();
    },
  };
}
export type PageDesk = Awaited<ReturnType<typeof startPageDesk>>;
