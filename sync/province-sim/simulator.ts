import Fastify, { type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { updateAnnouncer } from './update-route.js';
import { verifyBundle } from '../export-bundle.js';
import { offlineLinkSignature } from '../links.js';
import type { Faults } from './faults.js';
import { gateway } from './gateway.js';
import { hcpJsonAuthenticate } from './hcp-json-auth.js';
import { hcpJsonLedger } from './hcp-json-ledger.js';
import { hcpJsonPages, pageLinkFields, serviceOf } from './hcp-json-page.js';
import { faultsFromBody, faultSwitch, listenSim, startPageOrClose } from './sim-server.js';

export type { StoredRecord } from './hcp-json-ledger.js';

export interface SimApp {
  appKey: string;
  appSecret: string;
}

export interface SimOptions {
  port?: number;
  host?: string;
  apps: SimApp[];
  faults?: Faults;
  /** The config served to every terminal (`configVersion` is bumped by setConfig). */
  config?: Record<string, unknown>;
  random?: () => number;
  /** Where the evaluation page (province-page.md) listens: PAGE_HOST, another loopback address than the API's, by default. */
  pageHost?: string;
}

export interface SimStats {
  requests: number;
  batches: number;
  invalidSignatures: number;
  invalidRecords: number;
  invalidRequests: number;
  duplicates: number;
  rejectedInjected: number;
  replayedNonces: number;
  clockSkews: number;
  faults: Record<string, number>;
  heartbeats: number;
  configFetches: number;
  links: number;
  bundles: number;
}

const MAX_BODY = 1024 * 1024;
const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;
const MAX_BUNDLE_RECORDS = 10_000;
const batchSchema = z.object({ batchId: z.uuid(), terminalId: z.string().min(1), records: z.array(z.unknown()).min(1).max(200) });
const linkSchema = z.strictObject({
  terminalId: z.string(),
  sessionId: z.string(),
  proManager: z.string(),
  projectNo: z.string().optional(),
  taskCode: z.string().optional(),
  /** province-page.md: a page for the window's tablet, returning to the terminal's `returnUrl`. */
  ...pageLinkFields,
});

/**
 * A development stand-in for the provincial system, strict as the spec: signatures, timestamps, nonces, record
 * schema and the SM3 chain are all checked; faults are injected before or after processing, so lost
 * acknowledgements happen too. Control endpoints under /sim/ (no auth, loopback use only).
 */
export async function startProvinceSim(o: SimOptions) {
  const { current: faults, random, set: setFaults, now } = faultSwitch(o.faults, o.random);
  let config: Record<string, unknown> = { configVersion: '1', ...(o.config ?? {}) };
  const apps = new Map(o.apps.map((a) => [a.appKey, a.appSecret]));
  const disabled = new Set<string>();
  const links = new Map<string, { terminalId: string; sessionId: string }>();
  const heartbeats: { terminalId: string; body: unknown; at: number }[] = [];
  const stats: SimStats = {
    requests: 0,
    batches: 0,
    invalidSignatures: 0,
    invalidRecords: 0,
    invalidRequests: 0,
    duplicates: 0,
    rejectedInjected: 0,
    replayedNonces: 0,
    clockSkews: 0,
    faults: {},
    heartbeats: 0,
    configFetches: 0,
    links: 0,
    bundles: 0,
  };
  /** Who relayed whose bundle, for tests of the offline relay. */
  const relayedBy: { relay: string; origin: string; records: number }[] = [];

  const app = Fastify({ bodyLimit: MAX_BUNDLE_BYTES + MAX_BODY, logger: false, forceCloseConnections: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const err = (reply: FastifyReply, status: number, code: string, message: string, extra: object = {}) =>
    reply
      .code(status)
      .header('date', new Date(now()).toUTCString())
      .send({ code, message, ...extra });

  const { fault, hanging } = gateway({
    faults,
    random,
    counts: stats.faults,
    serverError: (reply, status) => err(reply, status, 'INTERNAL', 'injected server error'),
    rateLimited: (reply) => err(reply, 429, 'RATE_LIMITED', 'slow down'),
  });

  const authenticate = hcpJsonAuthenticate({ apps, now, err, stats });
  const { records, ingest } = hcpJsonLedger({ faults, random, now, stats });

  /** An offline link (province-api.md, evaluation-links) signed by one of the known apps, with either algorithm. */
  const offlineLinkValid = (terminalId: string, sessionId: string, sig: string): boolean =>
    [...apps.values()].some((secret) => (['HMAC-SM3', 'HMAC-SHA256'] as const).some((alg) => offlineLinkSignature(alg, secret, terminalId, sessionId) === sig));

  // province-page.md: the tablet's page on its own origin, the status route, the page faults.
  const pages = hcpJsonPages(app, { fault, authenticate, err, hanging, now, records, faults, random, stats, host: o.pageHost });

  app.addHook('onRequest', async () => {
    stats.requests++;
  });

  app.post('/hcp/v1/evaluations/batch', async (req, reply) => {
    if (fault(req, reply, false)) return reply;
    const auth = authenticate(req, reply);
    if (!auth) return reply;
    const body = typeof req.body === 'string' ? req.body : '';
    if (Buffer.byteLength(body) > MAX_BODY) return err(reply, 413, 'BATCH_TOO_LARGE', 'more than 1 MiB');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      stats.invalidRequests++;
      return err(reply, 400, 'INVALID_REQUEST', 'the body is not JSON');
    }
    if (Array.isArray((json as { records?: unknown }).records) && (json as { records: unknown[] }).records.length > 200)
      return err(reply, 413, 'BATCH_TOO_LARGE', 'more than 200 records');
    const batch = batchSchema.safeParse(json);
    if (!batch.success || batch.data.terminalId !== auth.terminalId) {
      stats.invalidRequests++;
      return err(reply, 400, 'INVALID_REQUEST', batch.success ? 'terminalId does not match X-HCP-Terminal' : 'the batch envelope is malformed');
    }
    if (disabled.has(auth.terminalId)) return err(reply, 403, 'TERMINAL_DISABLED', 'this terminal is disabled');
    stats.batches++;
    const results = ingest(auth.terminalId, batch.data.records);
    if (fault(req, reply, true)) return reply;
    return reply.header('date', new Date(now()).toUTCString()).send({ results });
  });

  app.get<{ Params: { terminalId: string } }>('/hcp/v1/terminals/:terminalId/config', async (req, reply) => {
    if (fault(req, reply, false)) return reply;
    const auth = authenticate(req, reply);
    if (!auth) return reply;
    if (disabled.has(auth.terminalId)) return err(reply, 403, 'TERMINAL_DISABLED', 'this terminal is disabled');
    stats.configFetches++;
    const etag = `"${String(config['configVersion'])}"`;
    if (req.headers['if-none-match'] === etag) return reply.code(304).header('etag', etag).send();
    return reply.header('etag', etag).header('date', new Date(now()).toUTCString()).send(config);
  });

  app.post('/hcp/v1/evaluation-links', async (req, reply) => {
    if (fault(req, reply, false)) return reply;
    const auth = authenticate(req, reply);
    if (!auth) return reply;
    const parsed = linkSchema.safeParse(safeJson(req.body));
    if (!parsed.success) return err(reply, 400, 'INVALID_REQUEST', 'the link request is malformed');
    if (parsed.data.channel !== undefined || parsed.data.returnUrl !== undefined) return pages.link(reply, parsed.data);
    const token = randomUUID();
    links.set(token, { terminalId: parsed.data.terminalId, sessionId: parsed.data.sessionId });
    stats.links++;
    return reply.send({ url: `${base()}/m/d/${token}`, expiresAt: new Date(now() + 30 * 60_000).toISOString() });
  });

  app.post<{ Params: { terminalId: string } }>('/hcp/v1/terminals/:terminalId/heartbeat', async (req, reply) => {
    if (fault(req, reply, false)) return reply;
    const auth = authenticate(req, reply);
    if (!auth) return reply;
    stats.heartbeats++;
    heartbeats.push({ terminalId: auth.terminalId, body: safeJson(req.body), at: now() });
    return reply.send({ serverTime: now(), configVersion: String(config['configVersion']), ...updates.field() });
  });
  const updates = updateAnnouncer(app, () => base()); // v1.2: an `update` in the heartbeat answer
  /** Import of a terminal's offline export bundle (the USB-stick path for halls with no network). */
  app.post('/hcp/v1/evaluations/import', async (req, reply) => {
    const bundle = verifyBundle(safeJson(req.body), (appKey) => apps.get(appKey) ?? null);
    if (!bundle.ok) return err(reply, 400, 'INVALID_REQUEST', bundle.error);
    return reply.send({ results: ingest(bundle.terminalId, bundle.records) });
  });

  /** province-api v1.1: terminal B relays terminal A's bundle unchanged, signed as B; judged per record as a batch. */
  app.post('/hcp/v1/evaluation-bundles', async (req, reply) => {
    if (fault(req, reply, false)) return reply;
    const auth = authenticate(req, reply);
    if (!auth) return reply;
    const body = typeof req.body === 'string' ? req.body : '';
    if (Buffer.byteLength(body) > MAX_BUNDLE_BYTES) return err(reply, 413, 'BATCH_TOO_LARGE', 'more than 16 MiB');
    const json = safeJson(body);
    const count = (json as { records?: unknown } | undefined)?.records;
    if (Array.isArray(count) && count.length > MAX_BUNDLE_RECORDS) return err(reply, 413, 'BATCH_TOO_LARGE', 'more than 10,000 records');
    const bundle = verifyBundle(json, (appKey) => apps.get(appKey) ?? null);
    if (!bundle.ok) return bundle.reason === 'format' ? err(reply, 400, 'INVALID_REQUEST', bundle.error) : err(reply, 401, 'BAD_SIGNATURE', bundle.error);
    stats.bundles++;
    relayedBy.push({ relay: auth.terminalId, origin: bundle.terminalId, records: bundle.records.length });
    const results = ingest(bundle.terminalId, bundle.records);
    if (fault(req, reply, true)) return reply;
    return reply.send({ batchId: bundle.signature, results });
  });
  // ── control ──
  app.get('/sim/state', async () => ({
    dialect: 'hcp-json',
    stats,
    faults: faults(),
    configVersion: config['configVersion'],
    records: [...records.values()],
    heartbeats: heartbeats.slice(-20),
    relayedBy,
  }));
  app.post('/sim/faults', async (req) => {
    setFaults(faultsFromBody(req.body));
    return { ok: true };
  });
  app.post('/sim/config', async (req) => {
    const next = safeJson(req.body) as Record<string, unknown>;
    config = { ...next, configVersion: String(Number(config['configVersion']) + 1) };
    return { configVersion: config['configVersion'] };
  });
  // The window's static page (the QR code on Serving and Closed screens).
  app.get('/m/w', async (_req, reply) => reply.type('text/html').send('<h1>窗口评价</h1>'));
  app.get<{ Params: { token: string } }>('/m/d/:token', async (req, reply) =>
    links.has(req.params.token) ? reply.type('text/html').send('<h1>评价页面</h1>') : reply.code(404).send(),
  );
  app.get('/m/e', async (req, reply) => {
    const q = req.query as Record<string, string>;
    return offlineLinkValid(q['t'] ?? '', q['s'] ?? '', q['sig'] ?? '')
      ? reply.type('text/html').send('<h1>评价页面</h1>')
      : reply.code(403).send({ code: 'BAD_SIGNATURE', message: 'offline link signature does not verify' });
  });

  const port = await listenSim(app, hanging, pages, o);
  const base = () => `http://127.0.0.1:${port}`;
  const desk = await startPageOrClose(app, pages, port);

  return {
    dialect: 'hcp-json' as const,
    url: base(),
    port,
    stats,
    records,
    relayedBy,
    setFaults,
    setConfig(next: Record<string, unknown>) {
      config = { ...next, configVersion: String(Number(config['configVersion']) + 1) };
    },
    setDisabled(terminalId: string, on: boolean) {
      if (on) disabled.add(terminalId);
      else disabled.delete(terminalId);
    },
    /** Whether a link URL is one this simulator issued (dynamic) or a valid offline link. */
    knowsLink(url: string): 'dynamic' | 'offline' | null {
      const u = new URL(url);
      const token = /^\/m\/d\/(.+)$/.exec(u.pathname)?.[1];
      if (token && links.has(token)) return 'dynamic';
      return offlineLinkValid(u.searchParams.get('t') ?? '', u.searchParams.get('s') ?? '', u.searchParams.get('sig') ?? '') ? 'offline' : null;
    },
    announceUpdate: updates.announce,
    /** Where the evaluation page is served (province-page.md): another origin than `url`'s. */
    pageOrigin: desk.origin,
    /** Ratings made on the province's page or a phone, by service. */
    pageRatings: desk.ratings,
    /** A rating made at the province directly (a phone by the QR code); false when it holds one for the session already. */
    rateAtProvince: (terminalId: string, sessionId: string, satisfaction: number) => desk.rate(serviceOf(terminalId, sessionId), satisfaction, 'phone'),
    close: () => app.close(),
  };
}

export type ProvinceSim = Awaited<ReturnType<typeof startProvinceSim>>;

function safeJson(body: unknown): unknown {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
