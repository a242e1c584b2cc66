import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { sm2DecryptHex, sm2KeyPair, sm2PublicKeyOf } from '../crypto/gm.js';
import { drawReject, faultDice, faultsSchema, NO_FAULTS, type Faults } from './faults.js';
import { gateway, htmlError } from './gateway.js';
import { decodeOfflineParam } from './gov-form-offline.js';
import { govFormPages, serviceOf as pageServiceOf } from './gov-form-page.js';
import {
  evalDetailProblem,
  evaluationPayload,
  fieldProblem,
  parseCustomFields,
  servicePayload,
  supplementPayload,
  urlPayload,
  type EvaluationPayload,
  type SatisfactionCodes,
  type ServicePayload,
} from './gov-form-payload.js';
import { fail, ok, parseCstCompact, parseCstDateTime, readForm, type Envelope } from './gov-form-wire.js';

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

export interface GovService {
  payload: ServicePayload;
  serviceId: string;
  receivedAt: number;
}

export interface GovEvaluation {
  evalId: string;
  terminalId: string;
  seq: number;
  chainHash: string;
  via: 'submit' | 'supplement';
  relayBy?: string | undefined;
  payload: EvaluationPayload;
  receivedAt: number;
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

const SKEW_MS = 300_000;
const serviceKey = (p: { projectNo: string; serviceNumber: string; taskCode?: string | undefined }) =>
  JSON.stringify([p.projectNo, p.serviceNumber, p.taskCode ?? '']);

/**
 * The development province for dialect `gov-form`, strict as province-gov-form.md: the four form fields, the SM2
 * `sign` (decrypted with the province's private key) with its 300 s window and replay check, every payload field,
 * the service record before its rating, one rating per `evalId`, unique `seq` per terminal, the 差评 reason. Every
 * answer it gives itself is HTTP 200 with the envelope and a `Date`; the gateway in front of it injects the faults.
 */
export async function startGovFormSim(o: GovFormSimOptions) {
  let faults: Faults = o.faults ?? NO_FAULTS;
  const dice = faultDice(faults, o.random);
  const random = dice.random;
  const setFaults = (f: Faults) => {
    faults = f;
    dice.set(f);
  };
  const codes: SatisfactionCodes = o.satisfactionCodes ?? 'desc5';
  const keys = o.sm2PrivateKey ? { privateKey: o.sm2PrivateKey, publicKey: sm2PublicKeyOf(o.sm2PrivateKey) } : sm2KeyPair();
  const basePath = (o.basePath ?? '/pubservice').replace(/\/+$/, '');
  const apps = new Map(o.apps.map((a) => [a.appMark, a.appWord]));
  const signs = new Map<string, number>();
  const services = new Map<string, GovService>();
  const evaluations = new Map<string, GovEvaluation>();
  const rejected: { evalId: string; message: string }[] = [];
  /** The last refusals of any kind, newest last: what a test shows when a terminal and the province disagree. */
  const refusals: { path: string; message: string; at: number }[] = [];
  const seqs = new Map<string, Map<number, string>>(); // terminalId → seq → evalId
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
  const now = () => Date.now() + faults.skewMs;

  const app = Fastify({ bodyLimit: 1024 * 1024, logger: false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const answer = (reply: FastifyReply, e: Envelope) =>
    reply.code(200).header('date', new Date(now()).toUTCString()).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(e));

  const { fault, hanging } = gateway({
    faults: () => faults,
    random,
    counts: stats.faults,
    serverError: htmlError,
    rateLimited: (reply) => htmlError(reply, 429),
  });

  /** The four fields, the app, the sign, its time and its freshness; then the decrypted payload, or a refusal. */
  const open = (req: FastifyRequest): { payload: unknown } | { refusal: string } => {
    const form = readForm(req.headers['content-type'], req.body);
    if ('refusal' in form) return (stats.invalidRequests++, form);
    const appWord = apps.get(form.appMark);
    if (appWord === undefined) {
      stats.invalidSignatures++;
      return { refusal: o.unknownAppMessage?.(form.appMark) ?? `验签失败：签名无效，appMark "${form.appMark}" 未注册` };
    }
    const time = parseCstCompact(form.time);
    if (time === null) return (stats.invalidRequests++, { refusal: 'time 格式错误：应为 yyyyMMddHHmmss（北京时间）' });
    const signed = sm2DecryptHex(form.sign, keys.privateKey);
    if (signed === null) return (stats.invalidSignatures++, { refusal: '验签失败：签名无法用平台私钥解密' });
    if (signed !== form.time + form.appMark + appWord) return (stats.invalidSignatures++, { refusal: '验签失败：签名内容与 time、appMark、appWord 不符' });
    if (Math.abs(now() - time) > SKEW_MS) return (stats.clockSkews++, { refusal: '时间戳超出有效范围' });
    if (signs.has(form.sign)) return (stats.replayedSigns++, { refusal: '签名已使用' });
    signs.set(form.sign, now());
    if (signs.size > 50_000) for (const [s, t] of signs) if (now() - t > 2 * SKEW_MS) signs.delete(s);
    let params: unknown;
    try {
      params = JSON.parse(form.params);
    } catch {
      params = undefined;
    }
    const data = typeof params === 'object' && params !== null && Object.keys(params).length === 1 && 'data' in params ? params.data : undefined;
    if (typeof data !== 'string') return (stats.invalidRequests++, { refusal: 'params 格式错误：应为 {"data":"<SM2 密文>"}' });
    const plain = sm2DecryptHex(data, keys.privateKey);
    if (plain === null) return (stats.invalidRequests++, { refusal: 'params.data 无法用平台私钥解密' });
    try {
      return { payload: JSON.parse(plain) as unknown };
    } catch {
      return (stats.invalidRequests++, { refusal: 'params.data 解密后不是 JSON' });
    }
  };

  const invalid = (message: string): Envelope => (stats.invalidRecords++, fail(message));

  const parse = <T>(schema: z.ZodType<T>, payload: unknown): T | Envelope => {
    const r = schema.safeParse(payload);
    return r.success ? r.data : invalid(fieldProblem(r.error));
  };

  const submitService = (payload: unknown): Envelope => {
    const p = parse(servicePayload, payload);
    if ('success' in p) return p;
    if (parseCstDateTime(p.serviceTime) === null) return invalid(`参数校验失败：serviceTime "${p.serviceTime}" 不是有效时间`);
    const key = serviceKey(p);
    const existing = services.get(key);
    if (existing) return (stats.serviceDuplicates++, fail('服务数据已存在'));
    const serviceId = randomUUID();
    services.set(key, { payload: p, serviceId, receivedAt: now() });
    stats.services++;
    return ok({ serviceId });
  };

  const sensitiveProblem = (p: EvaluationPayload): string | null => {
    for (const f of ['certKey', 'mobile'] as const) {
      const v = p[f];
      if (v !== undefined && sm2DecryptHex(v.slice(4), keys.privateKey) === null) return `参数校验失败：${f} 无法用平台私钥解密`;
    }
    return null;
  };

  const submitEvaluation = (payload: unknown, via: 'submit' | 'supplement'): Envelope => {
    const p = parse<EvaluationPayload & { relayBy?: string }>(via === 'supplement' ? supplementPayload : evaluationPayload, payload);
    if ('success' in p) return p;
    const custom = parseCustomFields(p.customFields);
    if ('problem' in custom) return invalid(`参数校验失败：${custom.problem}`);
    if (p.relayBy !== undefined && p.relayBy === custom.terminalId)
      return invalid('参数校验失败：relayBy 与 customFields 的 terminalId 相同，补报须由另一终端转报');
    const assessTime = parseCstDateTime(p.assessTime);
    if (assessTime === null) return invalid(`参数校验失败：assessTime "${p.assessTime}" 不是有效时间`);
    const problem = evalDetailProblem(p, codes) ?? sensitiveProblem(p);
    if (problem) return invalid(problem.startsWith('参数') || problem.startsWith('差评') ? problem : `参数校验失败：${problem}`);
    if (evaluations.has(custom.evalId)) return (stats.duplicates++, fail('评价数据不可重复'));
    const service = services.get(serviceKey(p));
    if (!service) return (stats.missingService++, fail('没有对应的服务数据'));
    if (assessTime < (parseCstDateTime(service.payload.serviceTime) ?? 0)) return invalid('参数校验失败：assessTime 早于服务的 serviceTime');
    if (assessTime > now() + SKEW_MS) return invalid('参数校验失败：assessTime 晚于平台当前时间');
    const bySeq = seqs.get(custom.terminalId) ?? new Map<number, string>();
    const holder = bySeq.get(custom.seq);
    if (holder !== undefined && holder !== custom.evalId)
      return invalid(`参数校验失败：customFields 的 seq ${custom.seq} 已被终端 ${custom.terminalId} 的另一条评价使用`);
    if (drawReject(faults, custom.seq, random)) {
      stats.rejectedInjected++;
      const message = `参数校验失败：proManager ${service.payload.proManager} 未在本平台登记（注入）`;
      rejected.push({ evalId: custom.evalId, message });
      return fail(message);
    }
    bySeq.set(custom.seq, custom.evalId);
    seqs.set(custom.terminalId, bySeq);
    evaluations.set(custom.evalId, { ...custom, via, relayBy: p.relayBy, payload: p, receivedAt: now() });
    if (via === 'supplement') stats.supplements++;
    else stats.evaluations++;
    return ok(null);
  };

  // province-page.md: the tablet's page on its own origin, its status, the page faults.
  const pages = govFormPages(app, {
    services,
    evaluations,
    codes,
    privateKey: keys.privateKey,
    parse,
    hanging,
    now,
    faults: () => faults,
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
    faults,
    services: [...services.values()],
    evaluations: [...evaluations.values()],
    rejected,
    refusals,
  }));
  app.post('/sim/faults', async (req) => {
    setFaults(parseJson(req.body) ?? NO_FAULTS);
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

  app.addHook('onClose', async () => {
    for (const r of hanging) r.raw.destroy();
    await pages.close();
  });
  await app.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const origin = () => `http://127.0.0.1:${port}`;
  const desk = await pages.start(port).catch(async (e: unknown) => {
    await app.close();
    throw e;
  });

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

function parseJson(body: unknown): Faults | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = faultsSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
