import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { API_PREFIX, BODY_LIMIT, localApi } from '../api/local-api.js';
import type { Log } from '../log/logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { bridgeSocket } from './bridge-socket.js';
import { installErrorHandling } from './http-errors.js';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface HostOptions {
  runtime: Runtime;
  host: string;
  port: number;
  uiDir: string;
  log: Log;
}

export interface RunningHost {
  app: FastifyInstance;
  port: number;
  uiUrl: string;
  apiUrl: string;
  close(): Promise<void>;
}

/** Serves the kiosk UI, the bridge WebSocket and the local API on one port. */
export async function startHost(o: HostOptions): Promise<RunningHost> {
  const app = Fastify({ bodyLimit: BODY_LIMIT, logger: false, forceCloseConnections: true, return503OnClosing: true });
  installErrorHandling(app, o.log);
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(async (scope) => localApi(scope, { terminal: o.runtime.terminal, token: o.runtime.apiToken }), { prefix: API_PREFIX });
  await app.register(async (scope) => bridgeSocket(scope, o.runtime.terminal, o.log, o.runtime.intentExtras));
  app.addHook('onSend', async (req, reply) => {
    if (!req.url.startsWith(API_PREFIX)) {
      reply.header('content-security-policy', CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
  });
  if (existsSync(o.uiDir)) {
    await app.register(fastifyStatic, { root: o.uiDir, prefix: '/', index: 'index.html', cacheControl: false });
  } else {
    o.log.warn({ uiDir: o.uiDir }, 'renderer is not built; run `npm run build`');
  }
  await app.listen({ host: o.host, port: o.port });
  const port = (app.server.address() as AddressInfo).port;
  const shown = o.host === '0.0.0.0' || o.host === '::' || o.host === 'localhost' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    app,
    port,
    uiUrl: `http://${shown}:${port}/`,
    apiUrl: `http://${shown}:${port}${API_PREFIX}`,
    close: () => app.close(),
  };
}
