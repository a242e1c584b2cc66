import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { CommandError } from '../core/errors.js';
import type { TerminalEvent } from '../core/events.js';
import type { Terminal } from '../core/terminal.js';
import { safeEqual } from '../provisioning/secrets.js';
import { slots } from '../util/slots.js';
import { describeIssues } from '../util/zod-issues.js';
import { badgeLoginBody, emptyBody, openSessionBody, pinLoginBody } from './bodies.js';
import { HttpError, STATUS_OF } from './errors.js';

export const API_PREFIX = '/api/v1';
export const BODY_LIMIT = 64 * 1024;
const SSE_KEEPALIVE_MS = 15_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Event streams open at once: a business system needs one or two; more is a leak or an attack on memory. */
export const MAX_EVENT_STREAMS = 8;

export interface LocalApiDeps {
  terminal: Terminal;
  /** null while unprovisioned: every protected route then answers 401. */
  token: string | null;
  log: { warn(obj: object, msg?: string): void };
}

/** The local API of local-api.md, mounted under /api/v1 of the host's server. */
export async function localApi(app: FastifyInstance, deps: LocalApiDeps): Promise<void> {
  const { terminal } = deps;

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url === `${API_PREFIX}/health`) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(header);
    if (!deps.token || !m?.[1] || !safeEqual(m[1], deps.token)) {
      throw new HttpError(401, 'UNAUTHORIZED', 'missing or wrong bearer token: send "Authorization: Bearer <localApi.token>"');
    }
  });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/status', async () => terminal.status());

  app.post('/staff/login', async (req) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('badgeId' in body || 'staffId' in body)) {
      throw new HttpError(400, 'INVALID_REQUEST', 'give either { "badgeId" } or { "staffId", "pin" }');
    }
    if ('badgeId' in body) {
      const { badgeId } = parse(badgeLoginBody, body);
      return run(() => terminal.loginByBadge(badgeId));
    }
    const { staffId, pin } = parse(pinLoginBody, body);
    return run(() => terminal.loginByPin(staffId, pin));
  });

  for (const [path, action] of [
    ['/staff/logout', () => terminal.logout()],
    ['/staff/pause', () => terminal.pause()],
    ['/staff/resume', () => terminal.resume()],
  ] as const) {
    app.post(path, async (req) => {
      parse(emptyBody, req.body);
      await run(action);
      // A citizen's follow-up is theirs: the action happens when they are done, and the answer says so.
      const waiting = terminal.staffActionWaiting;
      return { ok: true, state: terminal.state(), ...(waiting ? { waitsForCitizen: waiting } : {}) };
    });
  }

  app.post('/sessions', async (req, reply) => {
    const body = parse(openSessionBody, req.body);
    const opened = await run(() => terminal.openSession(body));
    return reply.code(201).send(opened);
  });

  app.get<{ Params: { sessionId: string } }>('/sessions/:sessionId', async (req) => run(() => terminal.getSession(sessionIdOf(req.params.sessionId))));

  app.post<{ Params: { sessionId: string } }>('/sessions/:sessionId/cancel', async (req) => {
    const id = sessionIdOf(req.params.sessionId);
    parse(emptyBody, req.body);
    await run(() => terminal.cancelSession(id));
    return { sessionId: id, status: terminal.getSession(id).status };
  });

  const streams = slots(MAX_EVENT_STREAMS);
  app.get('/events', (req, reply) => {
    // HEAD asks what a GET would answer: the stream's headers, and no stream to hold open.
    if (req.method === 'HEAD') {
      void reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').send();
      return;
    }
    const release = streams.take();
    if (!release) {
      deps.log.warn({ streams: streams.used }, 'event stream refused: too many open');
      throw new HttpError(503, 'TOO_MANY_STREAMS', `at most ${String(MAX_EVENT_STREAMS)} event streams at once; close one first`);
    }
    req.raw.once('close', release);
    sse(req, reply, terminal);
  });
}

function sse(req: FastifyRequest, reply: FastifyReply, terminal: Terminal): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': hcp-terminal events\n\n');
  const send = (e: TerminalEvent) => {
    if (e.type === 'state') return;
    const { type, ...data } = e;
    res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const off = terminal.onEvent(send);
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
  req.raw.on('close', () => {
    off();
    clearInterval(keepalive);
  });
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, 'INVALID_REQUEST', describeIssues(r.error));
  return r.data;
}

function sessionIdOf(raw: string): string {
  if (!UUID.test(raw)) throw new HttpError(404, 'SESSION_NOT_FOUND', `no session ${raw} on this terminal (a session id is a UUID)`);
  return raw.toLowerCase();
}

/** Runs a core command; a refusal becomes the HTTP error its code maps to. */
async function run<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof CommandError) throw new HttpError(STATUS_OF[err.code], err.code, err.message);
    throw err;
  }
}
