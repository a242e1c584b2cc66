import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { sm2KeyPair, sm2PublicKeyOf } from '../crypto/gm.js';
import type { Faults } from './faults.js';
import { gateway, htmlError } from './gateway.js';
import { govFormLedger } from './gov-form-ledger.js';
import { decodeOfflineParam } from './gov-form-offline.js';
import { govFormPages, serviceOf as pageServiceOf } from './gov-form-page.js';
import { urlPayload, type SatisfactionCodes } from './gov-form-payload.js';
import { govFormOpener } from './gov-form-sign.js';
import { fail, ok, type Envelope } from './gov-form-wire.js';
import { faultsFromBody, faultSwitch, listenSim, startPageOrClose } from './sim-server.js';

export type { GovEvaluation, GovService } from './gov-form-ledger.js';

export interface GovFormApp {
  appMark: string;
  appWord: string;
}

export interface GovFormSimOptions {
  port?: number;
  host?: string;
  apps: GovFormApp[];
  /** The province's SM2 private key (hex); a fresh pair when absent. Terminals are provisioned with `sm2PublicKey`. */
  sm2PrivateKey?: string;
  satisfactionCodes?: SatisfactionCodes;
  /** Where the province's interface lives under the origin, like the spec's `/pubservice`. */
  basePath?: string;
  faults?: Faults;
  random?: () => number;
  /**
   * What it answers an `appMark` it does not know. Provinces word it differently: this one's default says it inside a
   * sign refusal; others say only `appMark不存在`, which no spec table lists (the terminal must still keep the record).
   */
  unknownAppMessage?: (appMark: string) => string;
  /** Where the evaluation page (province-page.md) listens: PAGE_HOST, another loopback address than the API's, by default. */
  pageHost?: string;
}

export interface GovFormStats {
  requests: number;
  services: number;
  serviceDuplicates: number;
  evaluations: number;
  supplements: number;
  duplicates: number;
  missingService: number;
  invalidSignatures: number;
  replayedSigns: number;
  clockSkews: number;
  invalidRequests: number;
  invalidRecords: number;
  rejectedInjected: number;
  links: number;
  faults: Record<string, number>;
}

/**
 * The development province for dialect `gov-form`, strict as province-gov-form.md: the four form fields, the SM2
 * `sign` (decrypted with the province's private key) with its 300 s window and replay check, every payload field,
 * the service record before its rating, one rating per `evalId`, unique `seq` per terminal, the 差评 reason. Every
 * answer it gives itself is HTTP 200 with the envelope and a `Date`; the gateway in front of it injects the faults.
 */
export async function startGovFormSim(o: GovFormSimOptions) {
  const { current: faults, random, set: setFaults, now } = faultSwitch(o.faults, o.random);
  const codes: SatisfactionCodes = o.satisfactionCodes ?? 'desc5';
  const keys = o.sm2PrivateKey ? { privateKey: o.sm2PrivateKey, publicKey: sm2PublicKeyOf(o.sm2PrivateKey) } : sm2KeyPair();
  const basePath = (o.basePath ?? '/pubservice').replace(/\/+$/, '');
  const apps = new Map(o.apps.map((a) => [a.appMark, a.appWord]));
  /** The last refusals of any kind, newest last: what a test shows when a terminal and the province disagree. */
  const refusals: { path: string; message: string; at: number }[] = [];
  const links = new Map<string, { projectNo: string; serviceNumber: string }>();
  const stats: GovFormStats = {
    requests: 0,
    services: 0,
    serviceDuplicates: 0,
    evaluations: 0,
    supplements: 0,
    duplicates: 0,
    missingService: 0,
    invalidSignatures: 0,
    replayedSigns: 0,
    clockSkews: 0,
    invalidRequests: 0,
    invalidRecords: 0,
    rejectedInjected: 0,
    links: 0,
    faults: {},
  };

  const app = Fastify({ bodyLimit: 1024 * 1024, logger: false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const answer = (reply: FastifyReply, e: Envelope) =>
    reply.code(200).header('date', new Date(now()).toUTCString()).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(e));

  const { fault, hanging } = gateway({
    faults,
    random,
    counts: stats.faults,
    serverError: htmlError,
    rateLimited: (reply) => htmlError(reply, 429),
  });

  const open = govFormOpener({ apps, privateKey: keys.privateKey, now, stats, unknownAppMessage: o.unknownAppMessage });
  const { services, evaluations, rejected, parse, submitService, submitEvaluation } = govFormLedger({
    codes,
    privateKey: keys.privateKey,
    now,
    faults,
    random,
    stats,
  });

  // province-page.md: the tablet's page on its own origin, its status, the page faults.
  const pages = govFormPages(app, {
    services,
    evaluations,
    codes,
    privateKey: keys.privateKey,
    parse,
    hanging,
    now,
    faults,
    random,
    stats,
    host: o.pageHost,
  });

  const createUrl = (payload: unknown): Envelope => {
    const p = parse(urlPayload, payload);
    if ('success' in p) return p;
    if (p.pf === '4' && p.returnUrl !== undefined) return pages.createPage({ ...p, returnUrl: p.returnUrl });
    const token = randomUUID();
    links.set(token, { projectNo: p.projectNo, serviceNumber: p.serviceNumber });
    stats.links++;
    return ok({ url: `${origin()}/h5/pj/d/${token}`, expiresIn: 1800 });
  };

  const route = (path: string, judge: (payload: unknown) => Envelope, before?: (req: FastifyRequest, reply: FastifyReply) => boolean) =>
    app.post(`${basePath}/${path}`, async (req, reply) => {
      if (fault(req, reply, false) || before?.(req, reply)) return reply;
      const opened = open(req);
      const verdict = 'refusal' in opened ? fail(opened.refusal) : judge(opened.payload);
      if (path === 'evaluation/status' && pages.takeSlow()) return (pages.later(() => void answer(reply, verdict)), reply);
      if (verdict.success === 'false') {
        refusals.push({ path, message: verdict.message, at: now() });
        if (refusals.length > 50) refusals.shift();
      }
      if (fault(req, reply, true)) return reply;
      return answer(reply, verdict);
    });

  app.addHook('onRequest', async () => {
    stats.requests++;
  });
  route('service/submit', submitService);
  route('evaluation/submit', (p) => submitEvaluation(p, 'submit'));
  route('evaluation/supplement', (p) => submitEvaluation(p, 'supplement'));
  route('evaluation/url', createUrl, (req, reply) => pages.linkFault(req, reply));
  route(
    'evaluation/status',
    (p) => pages.status(p),
    (_req, reply) => pages.statusFault(reply),
  );
  app.setNotFoundHandler((req, reply) => answer(reply, fail(`接口不存在：${req.method} ${req.url.split('?')[0] ?? ''}`)));
  app.setErrorHandler((error: Error, _req, reply) => answer(reply, fail(`请求无法处理：${error.message}`)));

  // ── control and the citizen's pages ──
  app.get('/sim/state', async () => ({
    dialect: 'gov-form',
    satisfactionCodes: codes,
    sm2PublicKey: keys.publicKey,
    stats,
    faults: faults(),
    services: [...services.values()],
    evaluations: [...evaluations.values()],
    rejected,
    refusals,
  }));
  app.post('/sim/faults', async (req) => {
    setFaults(faultsFromBody(req.body));
    return { ok: true };
  });
  app.get<{ Params: { token: string } }>('/h5/pj/d/:token', async (req, reply) =>
    links.has(req.params.token) ? reply.type('text/html').send('<h1>评价页面</h1>') : reply.code(404).send(),
  );
  app.get<{ Querystring: { param?: string } }>('/h5/pj', async (req, reply) =>
    decodeOfflineParam(req.query.param ?? '')
      ? reply.type('text/html').send('<h1>评价页面</h1>')
      : reply.code(400).type('text/html').send('<h1>二维码无效</h1>'),
  );

  const port = await listenSim(app, hanging, pages, o);
  const origin = () => `http://127.0.0.1:${port}`;
  const desk = await startPageOrClose(app, pages, port);

  return {
    dialect: 'gov-form' as const,
    /** The `baseUrl` to provision. */
    url: origin() + basePath,
    origin: origin(),
    port,
    sm2PublicKey: keys.publicKey,
    satisfactionCodes: codes,
    /** The `offlinePageTemplate` to provision: this simulator's page, which checks the QR code's `param`. */
    offlinePageTemplate: `${origin()}/h5/pj?param={param}`,
    stats,
    services,
    evaluations,
    rejected,
    refusals,
    setFaults,
    /** The province registers an app (a terminal set up before it was, as happens in a new hall). */
    registerApp(a: GovFormApp) {
      apps.set(a.appMark, a.appWord);
    },
    /** Whether a QR code's URL is a page this simulator issued (dynamic) or a valid offline page. */
    knowsLink(url: string): 'dynamic' | 'offline' | null {
      const u = new URL(url);
      const token = /^\/h5\/pj\/d\/(.+)$/.exec(u.pathname)?.[1];
      if (token && links.has(token)) return 'dynamic';
      return u.pathname === '/h5/pj' && decodeOfflineParam(u.searchParams.get('param') ?? '') ? 'offline' : null;
    },
    /** Page mode: where the page is served (another origin than the API's), its ratings, and a phone's rating (5 = 非常满意). */
    pageOrigin: desk.origin,
    pageRatings: desk.ratings,
    rateAtProvince: (projectNo: string, serviceNumber: string, level: number) => desk.rate(pageServiceOf(projectNo, serviceNumber), level, 'phone'),
    close: () => app.close(),
  };
}

export type GovFormSim = Awaited<ReturnType<typeof startGovFormSim>>;
