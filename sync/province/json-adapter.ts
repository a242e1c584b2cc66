import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ClockOffset } from '../clock-offset.js';
import type { EvaluationRecord } from '../record.js';
import { DEFAULT_LINK_TEMPLATE_PATH, MAX_LINK_CHARS, offlineLink } from '../links.js';
import { hcpJsonRecord } from '../record.js';
import type {
  ConfigOutcome,
  ConfigSource,
  Failure,
  HeartbeatOutcome,
  HeartbeatSink,
  LinkOutcome,
  LinkRequest,
  PageLinkRequest,
  PageSource,
  PageStatusOutcome,
  ProvinceAdapter,
  UploadOutcome,
} from './adapter.js';
import { judgeStatus, optionalText } from './page-status.js';
import { MAX_REPLY_BYTES, networkFailure, readCapped, retryAfter } from './http.js';
import { signedHeaders, type Credentials } from './signing.js';

export { MAX_REPLY_BYTES, RETRY_AFTER_MAX_MS, RETRY_AFTER_MIN_MS, retryAfter } from './http.js';

const errorBody = z.object({ code: z.string(), message: z.string().optional(), serverTime: z.number().optional() });
const batchReply = z.object({
  results: z.array(
    z.object({ evalId: z.string(), status: z.enum(['accepted', 'duplicate', 'rejected']), code: z.string().optional(), message: z.string().optional() }),
  ),
});
const linkReply = z.object({ url: z.url().max(MAX_LINK_CHARS), expiresAt: z.string() });
/** province-page.md: `satisfaction` a number, 5 = 非常满意 (its range is judged after parsing, to say why it is ignored). */
const statusReply = z.object({
  sessionId: z.string().max(128),
  status: z.enum(['rated', 'pending']),
  satisfaction: z
    .number()
    .nullish()
    .transform((v) => v ?? undefined),
  evalId: optionalText,
  assessTime: optionalText,
});
const heartbeatReply = z.object({ serverTime: z.number(), configVersion: z.string(), update: z.unknown().optional() });
/** v1.2's `update`; one that does not parse is ignored (and logged by the caller's diagnostics), never a failed heartbeat. */
const updateAnnouncement = z.object({
  version: z.string().min(1).max(64),
  seq: z.number().int().min(1),
  url: z.url({ protocol: /^https?$/ }),
  size: z.number().int().min(1),
  sm3: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .transform((s) => s.toLowerCase()),
  rolloutPercent: z.number().min(0).max(100),
});

/** A config carries staff photos as data URLs: more room, still bounded. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export interface JsonAdapterOptions {
  baseUrl: string;
  credentials: Credentials;
  clock: ClockOffset;
  /** Per-request timeout for uploads, config and heartbeat, ms. Default 15000. */
  timeoutMs?: number;
  /** The offline evaluation link; default: the province's `/m/e` page. */
  offlineLinkTemplate?: string | undefined;
  fetch?: typeof fetch;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** The link request's own fields: a caller's object may carry more (a page request's `returnUrl`), which is sent only where meant. */
function linkFields(req: LinkRequest): LinkRequest {
  return {
    terminalId: req.terminalId,
    sessionId: req.sessionId,
    proManager: req.proManager,
    ...(req.projectNo === undefined ? {} : { projectNo: req.projectNo }),
    ...(req.taskCode === undefined ? {} : { taskCode: req.taskCode }),
  };
}

/**
 * The default dialect `hcp-json`: province-api.md's JSON over HTTPS, signed, every reply validated before it is
 * believed. Batches of up to 200, a config endpoint and a heartbeat.
 */
export class JsonProvinceAdapter implements ProvinceAdapter {
  readonly dialect = 'hcp-json';
  readonly maxRecordsPerSubmit = 200;
  readonly backoffCapMs = 300_000;
  readonly sendsDefaultRatings = true;
  readonly config: ConfigSource = { fetch: (etag) => this.fetchConfig(etag) };
  readonly heartbeat: HeartbeatSink = { beat: (body) => this.beat(body) };
  readonly page: PageSource = { pageLink: (req, ms) => this.pageLink(req, ms), pageStatus: (req, ms) => this.pageStatus(req, ms) };
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly template: string;

  constructor(private readonly o: JsonAdapterOptions) {
    this.base = new URL(o.baseUrl.endsWith('/') ? o.baseUrl : o.baseUrl + '/');
    this.fetch = o.fetch ?? globalThis.fetch;
    this.template = o.offlineLinkTemplate ?? o.baseUrl.replace(/\/$/, '') + DEFAULT_LINK_TEMPLATE_PATH;
  }

  submit(records: readonly EvaluationRecord[]): Promise<UploadOutcome> {
    return this.uploadBatch(randomUUID(), records);
  }

  async uploadBatch(batchId: string, records: readonly EvaluationRecord[]): Promise<UploadOutcome> {
    const wire = records.map(hcpJsonRecord);
    const r = await this.call('POST', 'hcp/v1/evaluations/batch', { batchId, terminalId: this.o.credentials.terminalId, records: wire });
    if ('kind' in r) return r;
    if (r.status !== 200) return this.failure(r);
    const parsed = batchReply.safeParse(r.json);
    if (!parsed.success) return { kind: 'transient', reason: 'the batch reply is not the expected JSON' };
    const results = parsed.data.results;
    // One result per record, in request order, or the reply cannot be trusted.
    if (results.length !== records.length || results.some((x, i) => x.evalId !== records[i]?.evalId)) {
      return { kind: 'transient', reason: 'the batch reply does not match the records sent' };
    }
    return { kind: 'results', results };
  }

  async relayBundle(bundleText: string, evalIds: readonly string[]): Promise<UploadOutcome> {
    const r = await this.call('POST', 'hcp/v1/evaluation-bundles', bundleText);
    if ('kind' in r) return r;
    if (r.status !== 200) return this.failure(r);
    const parsed = batchReply.safeParse(r.json);
    if (!parsed.success) return { kind: 'transient', reason: 'the bundle reply is not the expected JSON' };
    const results = parsed.data.results;
    if (results.length !== evalIds.length || results.some((x, i) => x.evalId !== evalIds[i])) {
      return { kind: 'transient', reason: 'the bundle reply does not match the records relayed' };
    }
    return { kind: 'results', results };
  }

  offlineLink(req: LinkRequest): string {
    const c = this.o.credentials;
    return offlineLink(this.template, c.signAlg, c.appSecret, req.terminalId, req.sessionId);
  }

  async fetchConfig(etag: string | null): Promise<ConfigOutcome> {
    const r = await this.call(
      'GET',
      `hcp/v1/terminals/${encodeURIComponent(this.o.credentials.terminalId)}/config`,
      undefined,
      etag ? { 'If-None-Match': etag } : {},
      undefined,
      MAX_CONFIG_BYTES,
    );
    if ('kind' in r) return r;
    if (r.status === 304) return { kind: 'not-modified' };
    if (r.status !== 200) return this.failure(r);
    if (r.json === undefined) return { kind: 'transient', reason: 'the config reply is not JSON' };
    return { kind: 'config', body: r.json, etag: r.headers.get('etag') };
  }

  async createLink(req: LinkRequest, timeoutMs: number): Promise<LinkOutcome> {
    const r = await this.call('POST', 'hcp/v1/evaluation-links', linkFields(req), {}, timeoutMs);
    if ('kind' in r) return r;
    if (r.status !== 200) return this.failure(r);
    const parsed = linkReply.safeParse(r.json);
    return parsed.success ? { kind: 'link', ...parsed.data } : { kind: 'transient', reason: 'the link reply is not the expected JSON' };
  }

  /** province-page.md: the page for the tablet (`channel: "tablet"`), which returns to the terminal's `returnUrl`. */
  async pageLink(req: PageLinkRequest, timeoutMs: number): Promise<LinkOutcome> {
    const r = await this.call('POST', 'hcp/v1/evaluation-links', { ...linkFields(req), channel: 'tablet', returnUrl: req.returnUrl }, {}, timeoutMs);
    if ('kind' in r) return r;
    if (r.status !== 200) return this.failure(r);
    const parsed = linkReply.safeParse(r.json);
    return parsed.success ? { kind: 'link', ...parsed.data } : { kind: 'transient', reason: 'the page link reply is not the expected JSON' };
  }

  /** province-page.md: whether the province holds a rating for the session, however it was made. */
  async pageStatus(req: LinkRequest, timeoutMs: number): Promise<PageStatusOutcome> {
    const r = await this.call('POST', 'hcp/v1/evaluation-status', { terminalId: req.terminalId, sessionId: req.sessionId }, {}, timeoutMs);
    if ('kind' in r) return r;
    if (r.status !== 200) return this.failure(r);
    const parsed = statusReply.safeParse(r.json);
    if (!parsed.success) return { kind: 'transient', reason: 'the status reply is not the expected JSON' };
    const { status, ...rest } = parsed.data;
    return judgeStatus(req.sessionId, { ...rest, rated: status === 'rated' });
  }

  async beat(body: object): Promise<HeartbeatOutcome> {
    const r = await this.call('POST', `hcp/v1/terminals/${encodeURIComponent(this.o.credentials.terminalId)}/heartbeat`, body);
    if ('kind' in r) return r;
    if (r.status !== 200) return this.failure(r);
    const parsed = heartbeatReply.safeParse(r.json);
    if (!parsed.success) return { kind: 'transient', reason: 'the heartbeat reply is not the expected JSON' };
    const update = parsed.data.update == null ? undefined : updateAnnouncement.safeParse(parsed.data.update);
    return { kind: 'ok', serverTime: parsed.data.serverTime, configVersion: parsed.data.configVersion, ...(update?.success ? { update: update.data } : {}) };
  }

  private async call(
    method: 'GET' | 'POST',
    relPath: string,
    /** An object is sent as JSON; a string is sent exactly as it is (a relayed bundle). */
    body?: object | string,
    extra: Record<string, string> = {},
    timeoutMs = this.o.timeoutMs ?? 15_000,
    maxBytes = MAX_REPLY_BYTES,
  ): Promise<Reply | Failure> {
    const url = new URL(relPath, this.base);
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = {
      ...signedHeaders(this.o.credentials, method, url.pathname + url.search, text, this.o.clock.now()),
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      accept: 'application/json',
      'x-request-id': randomUUID(),
      ...extra,
    };
    let res: Response;
    let replyText: string;
    try {
      res = await this.fetch(url, { method, headers, ...(body === undefined ? {} : { body: text }), signal: AbortSignal.timeout(timeoutMs) });
      replyText = await readCapped(res, maxBytes);
    } catch (err) {
      return { kind: 'transient', reason: networkFailure(err, timeoutMs) };
    }
    const receivedAt = Date.now();
    let json: unknown;
    try {
      json = replyText ? JSON.parse(replyText) : undefined;
    } catch {
      json = undefined;
    }
    this.learnClock(res, json, receivedAt);
    return { status: res.status, headers: res.headers, text: replyText, json };
  }

  /**
   * The clock is learned only from answers that mean it: a 2xx reply (its `serverTime`, else its `Date`) or a
   * CLOCK_SKEW refusal's `serverTime`. An error page from a proxy or a broken server may carry any `Date`.
   */
  private learnClock(res: Response, json: unknown, receivedAt: number): void {
    const serverTime = (json as { serverTime?: unknown } | undefined)?.serverTime;
    const ok = res.status >= 200 && res.status < 300;
    const skew = res.status === 401 && (json as { code?: unknown } | undefined)?.code === 'CLOCK_SKEW';
    if ((ok || skew) && typeof serverTime === 'number') this.o.clock.learnServerTime(serverTime, receivedAt);
    else if (ok) this.o.clock.learnDateHeader(res.headers.get('date'), receivedAt);
  }

  private failure(r: Reply): Failure {
    const err = errorBody.safeParse(r.json);
    const code = err.success ? err.data.code : '';
    const message = err.success ? (err.data.message ?? code) : '';
    if (r.status >= 500 || !err.success) {
      const what = r.headers.get('content-type')?.includes('html') ? 'an HTML error page' : err.success ? code : 'an unreadable reply';
      return { kind: 'transient', reason: `HTTP ${r.status}: ${what}` };
    }
    if (r.status === 401 && code === 'CLOCK_SKEW' && err.data.serverTime !== undefined) return { kind: 'clock-skew', serverTime: err.data.serverTime };
    if (r.status === 403) return { kind: 'disabled', message };
    if (r.status === 413) return { kind: 'too-large' };
    if (r.status === 429) return { kind: 'rate-limited', retryAfterMs: retryAfter(r.headers.get('retry-after')) };
    return { kind: 'refused', status: r.status, code, message };
  }
}
