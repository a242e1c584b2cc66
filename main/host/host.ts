import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { API_PREFIX, BODY_LIMIT, localApi } from '../api/local-api.js';
import { systemClock, type Clock } from '../core/clock.js';
import { limitedWarnings } from '../log/limited-warn.js';
import type { Log } from '../log/logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { bridgeSocket } from './bridge-socket.js';
import { hostAllowlist } from './host-allowlist.js';
import { installErrorHandling } from './http-errors.js';
import { CLAIM_PATH, KioskPass } from './kiosk-pass.js';
import { publishKioskNetwork } from './kiosk-network.js';
import { uiSecurityHeaders } from '../util/csp.js';
import { pageReturnRoute } from './page-return-route.js';
import { PAGE_RETURN_PATH } from '../page/page-host.js';
import { voiceRoute } from './voice-route.js';

import type { TlsFiles } from '../provisioning/tls.js';

export interface HostOptions {
  runtime: Runtime;
  host: string;
  port: number;
  uiDir: string;
  log: Log;
  /** Where the kiosk launch page is written (the data directory). */
  dataDir: string;
  /** The kiosk UI and its WebSocket bridge; off under Electron, whose window talks IPC to app:// pages. */
  kioskUi?: boolean;
  /** The local API over HTTPS (a LAN bind). */
  tls?: TlsFiles | undefined;
  /** Called when the kiosk's own page (its per-boot secret) connects to the bridge: the launcher's health check. */
  onKioskPage?: (() => void) | undefined;
  /** The minute over which unauthenticated warnings are counted (a fake clock in tests). */
  clock?: Pick<Clock, 'now' | 'after'> | undefined;
}

export interface RunningHost {
  app: FastifyInstance;
  port: number;
  uiUrl: string;
  apiUrl: string;
  /** The page a kiosk browser opens to become the kiosk (null without the kiosk UI). */
  launchFile: string | null;
  close(): Promise<void>;
}

const claimBody = z.object({ secret: z.string().max(128) });

/** Serves the kiosk UI, the bridge WebSocket and the local API on one port. */
export async function startHost(o: HostOptions): Promise<RunningHost> {
  const kioskUi = o.kioskUi ?? true;
  const https = o.tls ? { cert: o.tls.cert, key: o.tls.key } : null;
  const app = (
    https
      ? Fastify({ https, bodyLimit: BODY_LIMIT, logger: false, forceCloseConnections: true, return503OnClosing: true })
      : Fastify({ bodyLimit: BODY_LIMIT, logger: false, forceCloseConnections: true, return503OnClosing: true })
  ) as FastifyInstance;
  installErrorHandling(app, o.log);
  const warn = limitedWarnings(o.log, o.clock ?? systemClock);
  // The port is known only after listen (0 = any free port): the check reads it then.
  let allowed: (host: string | undefined) => boolean = () => false;
  app.addHook('onRequest', async (req, reply) => {
    if (allowed(req.headers.host)) return;
    warn('foreign-host', 'request with a foreign Host refused', { host: req.headers.host?.slice(0, 100), url: req.url.slice(0, 100) });
    // A refused WebSocket upgrade keeps its socket outside the server's tracking: end it, or it would hold up close().
    if (req.headers.upgrade) reply.raw.once('finish', () => req.raw.socket.destroy());
    return reply
      .code(421)
      .header('connection', 'close')
      .send({ code: 'MISDIRECTED_HOST', message: 'this terminal answers only to its own address (127.0.0.1, localhost or [::1] with its port)' });
  });
  if (o.runtime.page) pageReturnRoute(app, o.runtime.page.page, warn);
  await app.register(async (scope) => localApi(scope, { terminal: o.runtime.terminal, token: o.runtime.apiToken, log: o.log }), { prefix: API_PREFIX });
  let pass: KioskPass | null = null;
  if (kioskUi) {
    await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
    const passOf = () => {
      if (!pass) throw new Error('kiosk pass not ready');
      return pass;
    };
    await app.register(async (scope) => {
      await scope.register(formbody, { bodyLimit: 1024 });
      scope.post(CLAIM_PATH, async (req, reply) => {
        const body = claimBody.safeParse(req.body);
        if (!body.success || !passOf().matches(body.data.secret)) {
          warn('kiosk-claim', 'kiosk claim with a wrong secret refused');
          return reply.code(403).type('text/plain; charset=utf-8').send('这个页面只属于本窗口的评价终端。This page belongs to the terminal’s own kiosk.');
        }
        return reply.header('set-cookie', passOf().cookie()).redirect('/', 303);
      });
      await bridgeSocket(scope, {
        terminal: o.runtime.terminal,
        log: o.log,
        warn,
        pass: { fromCookie: (c) => passOf().fromCookie(c) },
        extras: o.runtime.intentExtras,
        onKioskPage: o.onKioskPage,
      });
    });
    const uiHeaders = uiSecurityHeaders(o.runtime.page?.origins ?? []);
    app.addHook('onSend', async (req, reply) => {
      if (req.url.startsWith(API_PREFIX) || req.url.startsWith(PAGE_RETURN_PATH)) return;
      reply.headers(uiHeaders);
      // The demo hall is fake and has no kiosk launcher: its page is the kiosk, so anyone trying it out can rate.
      if (o.runtime.provisioning?.demo && (req.url === '/' || req.url === '/index.html') && pass) reply.header('set-cookie', pass.cookie());
    });
    voiceRoute(app, { dataDir: o.dataDir, uiDir: o.uiDir });
    if (existsSync(o.uiDir)) {
      await app.register(fastifyStatic, { root: o.uiDir, prefix: '/', index: 'index.html', cacheControl: false });
    } else {
      o.log.warn({ uiDir: o.uiDir }, 'renderer is not built; run `npm run build`');
    }
  }
  await app.listen({ host: o.host, port: o.port });
  const port = (app.server.address() as AddressInfo).port;
  allowed = hostAllowlist(o.host, port);
  const shown = o.host === '0.0.0.0' || o.host === '::' || o.host === 'localhost' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  const scheme = https ? 'https' : 'http';
  const uiUrl = `${scheme}://${shown}:${String(port)}/`;
  if (kioskUi) pass = KioskPass.create(o.dataDir, uiUrl, (why) => o.log.error({}, why));
  o.runtime.page?.setTerminalOrigin(new URL(uiUrl).origin);
  // The kiosk's browser loads the province's page over the terminal's proxy and CAs; without them it still rates.
  const kioskNetwork = pass
    ? await publishKioskNetwork({ launchFile: pass.launchFile, page: o.runtime.page, log: o.log }).catch((err: unknown) => {
        o.log.error({ err }, 'the kiosk’s browser was not given the terminal’s proxy: the province’s page may not load there');
        return null;
      })
    : null;
  return {
    app,
    port,
    uiUrl,
    apiUrl: `${scheme}://${shown}:${String(port)}${API_PREFIX}`,
    launchFile: pass?.launchFile ?? null,
    close: () => app.close().finally(() => kioskNetwork?.close()),
  };
}
