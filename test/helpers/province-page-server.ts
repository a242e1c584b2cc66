import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LinkOutcome, LinkRequest, PageLinkRequest, PageSource, PageStatusOutcome } from '../../sync/province/adapter.js';

/**
 * A province's evaluation pages (H5) on a loopback origin of their own (127.0.0.2: never the terminal's host), and the
 * page calls a terminal makes, answered from what citizens did on those pages. Until the simulators serve page mode.
 *
 * Pages: `/pj?s=<session>` rates (a form; the answer redirects to the terminal's returnUrl); `/hostile` tries every way
 * out of the sandbox (and into the terminal's bridge and local API) and writes what happened into its own `#results`; `/leave` links off the allowed origins; `/slow`
 * never answers.
 */
export interface ProvincePageServer extends PageSource {
  origin: string;
  /** Which page `pageLink` hands out: the rating page, or one of the hostile ones. */
  serve: 'pj' | 'hostile' | 'leave' | 'slow';
  rated: Map<string, number>;
  links: PageLinkRequest[];
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title>` +
  `<style>body{font:28px sans-serif;margin:32px}button{font:inherit;padding:16px 32px;margin:8px}</style></head><body>${body}</body></html>`;

const HOSTILE = `
<h1>hostile</h1><ul id="results"></ul>
<script>
  const out = (name, result) => { const li = document.createElement('li'); li.dataset.probe = name; li.textContent = name + ': ' + result; document.getElementById('results').append(li); };
  try { out('window.open', window.open('https://example.com/') ? 'opened' : 'blocked'); } catch (e) { out('window.open', 'blocked'); }
  try { window.top.location.href = 'https://example.com/'; out('top-navigation', 'navigated'); } catch (e) { out('top-navigation', 'blocked'); }
  try { out('parent.document', parent.document.cookie === undefined ? 'blocked' : 'read'); } catch (e) { out('parent.document', 'blocked'); }
  navigator.geolocation.getCurrentPosition(() => out('geolocation', 'granted'), () => out('geolocation', 'blocked'));
  (navigator.mediaDevices ? navigator.mediaDevices.getUserMedia({ video: true }) : Promise.reject(new Error('none')))
    .then(() => out('camera', 'granted'), () => out('camera', 'blocked'));
  const terminal = new URLSearchParams(location.search).get('terminal');
  let heard = false;
  const ws = new WebSocket('ws://' + terminal + '/bridge');
  ws.onmessage = () => { heard = true; out('bridge', 'read'); ws.close(); };
  ws.onclose = () => { if (!heard) out('bridge', 'blocked'); };
  fetch('http://' + terminal + '/api/v1/status').then((r) => r.text()).then(() => out('local-api', 'read'), () => out('local-api', 'blocked'));
</script>`;

export async function startProvincePageServer(): Promise<ProvincePageServer> {
  const rated = new Map<string, number>();
  let returnUrls = new Map<string, string>();
  const server: Server = createServer((req, res): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.2');
    const html = (body: string): void => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    const s = url.searchParams.get('s') ?? '';
    if (req.method === 'GET' && url.pathname === '/pj') {
      return html(
        page(
          '省级评价页面',
          `<h1>省好差评 · 请评价</h1><form method="post" action="/pj/rate?s=${encodeURIComponent(s)}">` +
            ['非常满意:5', '满意:4', '不满意:2']
              .map((b) => `<button name="level" value="${b.split(':')[1] ?? ''}">${b.split(':')[0] ?? ''}</button>`)
              .join('') +
            '</form>',
        ),
      );
    }
    if (req.method === 'POST' && url.pathname === '/pj/rate') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        rated.set(s, Number(new URLSearchParams(body).get('level') ?? '0'));
        res.writeHead(303, { location: returnUrls.get(s) ?? '/' }).end();
      });
      return;
    }
    if (url.pathname === '/hostile') return html(page('hostile', HOSTILE));
    if (url.pathname === '/slow') return; // never answers: the terminal's own GET gives up at loadTimeoutMs
    if (url.pathname === '/leave') return html(page('leave', '<h1>leave</h1><a id="away" href="https://evil.example.com/">away</a>'));
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NOT_FOUND"}');
    return;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const origin = `http://127.0.0.2:${String((server.address() as AddressInfo).port)}`;
  const p: ProvincePageServer = {
    origin,
    serve: 'pj',
    rated,
    links: [],
    pageLink(req: PageLinkRequest): Promise<LinkOutcome> {
      p.links.push(req);
      returnUrls = new Map([...returnUrls, [req.sessionId, req.returnUrl]]);
      // The hostile page learns the terminal's address from the returnUrl, as a real one could.
      const terminal = new URL(req.returnUrl).host;
      const path = p.serve === 'pj' ? `/pj?s=${encodeURIComponent(req.sessionId)}` : `/${p.serve}?terminal=${terminal}`;
      return Promise.resolve({ kind: 'link', url: origin + path, expiresAt: new Date(Date.now() + 600_000).toISOString() });
    },
    pageStatus(req: LinkRequest): Promise<PageStatusOutcome> {
      const level = rated.get(req.sessionId);
      return Promise.resolve(
        level === 1 || level === 2 || level === 3 || level === 4 || level === 5
          ? { kind: 'status', sessionId: req.sessionId, rated: true, satisfaction: level, evalId: `PROV-${req.sessionId.slice(0, 8)}` }
          : { kind: 'status', sessionId: req.sessionId, rated: false },
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The browser keeps its connections to the page open: they end with the server.
        server.closeAllConnections();
      }),
  };
  return p;
}
