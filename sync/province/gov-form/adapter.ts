import { z } from 'zod';
import type { ClockOffset } from '../../clock-offset.js';
import { bundleSchema } from '../../export-bundle.js';
import { evaluationRecordSchema, type EvaluationRecord } from '../../record.js';
import type {
  Failure,
  LinkOutcome,
  LinkRequest,
  PageLinkRequest,
  PageSource,
  PageStatusOutcome,
  ProvinceAdapter,
  RecordResult,
  RelaySlice,
  UploadOutcome,
} from '../adapter.js';
import { judgeStatus, optionalText } from '../page-status.js';
import { MAX_REPLY_BYTES, networkFailure, readCapped, retryAfter } from '../http.js';
import { MAX_LINK_CHARS } from '../../links.js';
import { defaultOfflinePageTemplate, offlinePageUrl } from './offline-page.js';
import { GOV_FORM_IN_FLIGHT, pipeline } from './pipeline.js';
import { evaluationPayload, projectNoOf, servicePayload, serviceKey, withinProvinceClock, type SatisfactionCodes } from './payload.js';
import { classifyMessage, cstDateTime, envelopeSchema, formBody, type Envelope, type GovFormCredentials } from './wire.js';

export interface GovFormAdapterOptions {
  baseUrl: string;
  terminalId: string;
  credentials: GovFormCredentials;
  satisfactionCodes: SatisfactionCodes;
  offlinePageTemplate?: string | undefined;
  /** The terminal's 行政区划 (`terminal.areaCode`): a page link's service record carries it, as a rating's does. */
  areaCode?: string | undefined;
  /** The staff member's name for a page link's service record; the 工号 stands in when unknown. */
  staffName?: ((staffId: string) => string | undefined) | undefined;
  clock: ClockOffset;
  /** Per-request timeout, ms. Default 15000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** No heartbeat tells a terminal of this dialect that the province is back: it must find out by trying, at most a minute apart. */
export const GOV_FORM_BACKOFF_CAP_MS = 60_000;
/** Records one `submit` carries, 4 in flight: enough to keep a 50 ms link busy, short enough that a new rating soon gets its turn. */
export const GOV_FORM_WINDOW = 40;
/** Service records known to be at the province (this run): enough for a busy day's sessions, bounded. */
const KNOWN_SERVICES = 4096;

const linkData = z.object({ url: z.url().max(MAX_LINK_CHARS), expiresIn: z.coerce.number().nonnegative() });

/** province-page.md: `status` "1" rated, "0" not; `satisfaction` in the province's numbering (`satisfactionCodes`). */
const statusData = z.object({
  serviceNumber: z.string().max(128),
  status: z.enum(['1', '0']),
  satisfaction: optionalText,
  evalId: optionalText,
  assessTime: optionalText,
});

type Step = { ok: true } | { ok: false; verdict: RecordResult } | { ok: false; failure: Failure };

/**
 * The `gov-form` dialect (province-gov-form.md): one form post per record, SM2-encrypted `sign` and payload, the
 * verdict in an HTTP 200 body, the service (办件) record before its rating. No batches, config, heartbeat or bundle
 * endpoint: the adapter has none of those capabilities, and relayed bundles go record by record as supplements.
 */
export class GovFormAdapter implements ProvinceAdapter {
  readonly dialect = 'gov-form';
  readonly maxRecordsPerSubmit = GOV_FORM_WINDOW;
  readonly recordByRecord = true;
  readonly backoffCapMs = GOV_FORM_BACKOFF_CAP_MS;
  readonly sendsDefaultRatings = false;
  readonly page: PageSource = { pageLink: (req, ms) => this.pageLink(req, ms), pageStatus: (req, ms) => this.pageStatus(req, ms) };
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly template: string;
  /** Service records submitted (or found existing) in this run, oldest first; after a restart they are submitted again, which the province answers 服务数据已存在. */
  private readonly services = new Set<string>();
  /** Service records being submitted now: a second rating of the same service waits for that answer instead of sending its own. */
  private readonly serving = new Map<string, Promise<Step>>();
  /** The bundle being relayed, read. */
  private relaying: { text: string; records: unknown[] } | null = null;

  constructor(private readonly o: GovFormAdapterOptions) {
    this.base = new URL(o.baseUrl.endsWith('/') ? o.baseUrl : o.baseUrl + '/');
    this.fetch = o.fetch ?? globalThis.fetch;
    this.template = o.offlinePageTemplate ?? defaultOfflinePageTemplate(o.baseUrl);
  }

  /** Oldest first, 4 in flight (v1.1), each rating after its service record's answer; the verdicts got, and what stopped the rest. */
  async submit(records: readonly EvaluationRecord[]): Promise<UploadOutcome> {
    const run = await pipeline(records, GOV_FORM_IN_FLIGHT, (r) => this.rate(r, 'evaluation/submit'));
    const results = run.verdicts.filter((v) => v !== undefined);
    if (!run.failure) return { kind: 'results', results };
    return results.length > 0 ? { kind: 'results', results, stoppedBy: run.failure } : run.failure;
  }

  /**
   * 补报: each of the bundle's records as its terminal recorded them, with `relayBy`, after its service record; only
   * the slice's records (all of them without one), each verdict handed on as it arrives.
   */
  async relayBundle(bundleText: string, evalIds: readonly string[], slice?: RelaySlice): Promise<UploadOutcome> {
    let records: unknown[];
    if (this.relaying?.text === bundleText) records = this.relaying.records;
    else {
      try {
        const b = bundleSchema.safeParse(JSON.parse(bundleText));
        if (!b.success) return { kind: 'refused', status: 400, code: 'INVALID_BUNDLE', message: 'not an export bundle of format hcp-export/1' };
        records = b.data.records;
      } catch {
        return { kind: 'refused', status: 400, code: 'INVALID_BUNDLE', message: 'the bundle is not JSON' };
      }
      // A bundle goes in slices: read up to 16 MiB once, not once a slice.
      this.relaying = { text: bundleText, records };
    }
    const places = (slice?.indices ?? [...evalIds.keys()]).filter((i) => evalIds[i] !== undefined);
    const run = await pipeline(
      places,
      GOV_FORM_IN_FLIGHT,
      async (i) => {
        const evalId = evalIds[i] ?? '';
        const parsed = evaluationRecordSchema.safeParse(records[i]);
        return !parsed.success || parsed.data.evalId !== evalId
          ? { evalId, status: 'rejected' as const, code: 'INVALID_RECORD', message: 'the bundle’s record is not a valid evaluation record' }
          : this.rate(parsed.data, 'evaluation/supplement', this.o.terminalId);
      },
      { verdict: (k, v) => slice?.onVerdict(places[k] ?? -1, v), ...(slice ? { carryOn: () => slice.carryOn() } : {}) },
    );
    // Every verdict is already with the caller; a failure loses none of them, and the answer is the slice's prefix.
    if (run.failure) return run.failure;
    const gap = run.verdicts.indexOf(undefined);
    return { kind: 'results', results: (gap < 0 ? run.verdicts : run.verdicts.slice(0, gap)).filter((v) => v !== undefined) };
  }

  async createLink(req: LinkRequest, timeoutMs: number): Promise<LinkOutcome> {
    const payload = { projectNo: projectNoOf(req), serviceNumber: req.sessionId, pf: '3', type: '1' };
    const e = await this.post('evaluation/url', payload, timeoutMs);
    if ('kind' in e) return e;
    if (e.success !== 'true') return this.refusal(e.message);
    const data = linkData.safeParse(e.data);
    if (!data.success) return { kind: 'transient', reason: 'the evaluation/url answer has no url' };
    return { kind: 'link', url: data.data.url, expiresAt: new Date(this.o.clock.now() + data.data.expiresIn * 1000).toISOString() };
  }

  /**
   * province-page.md: the province's page for the tablet (`pf` "4"), after the service record it rates (as a rating
   * goes after its own), returning to the terminal's `returnUrl`. The whole exchange keeps within `timeoutMs`.
   */
  async pageLink(req: PageLinkRequest, timeoutMs: number): Promise<LinkOutcome> {
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    const service = await this.post('service/submit', this.pageService(req), left());
    if ('kind' in service) return service;
    if (service.success !== 'true' && classifyMessage(service.message) !== 'service-exists') return this.refusal(service.message);
    const payload = { projectNo: projectNoOf(req), serviceNumber: req.sessionId, pf: '4', type: '1', returnUrl: req.returnUrl };
    const e = await this.post('evaluation/url', payload, left());
    if ('kind' in e) return e;
    if (e.success !== 'true') return this.refusal(e.message);
    const data = linkData.safeParse(e.data);
    if (!data.success) return { kind: 'transient', reason: 'the evaluation/url answer for the page has no url' };
    return { kind: 'link', url: data.data.url, expiresAt: new Date(this.o.clock.now() + data.data.expiresIn * 1000).toISOString() };
  }

  /** province-page.md: whether the province holds a rating for the service, however it was made. */
  async pageStatus(req: LinkRequest, timeoutMs: number): Promise<PageStatusOutcome> {
    const e = await this.post('evaluation/status', { projectNo: projectNoOf(req), serviceNumber: req.sessionId }, timeoutMs);
    if ('kind' in e) return e;
    if (e.success !== 'true') return this.refusal(e.message);
    const data = statusData.safeParse(e.data);
    if (!data.success) return { kind: 'transient', reason: 'the evaluation/status answer is not the expected data' };
    const { serviceNumber, status, satisfaction, ...rest } = data.data;
    let level: number | undefined;
    if (satisfaction !== undefined) {
      if (!/^[1-5]$/.test(satisfaction)) return { kind: 'transient', reason: `the status answer's satisfaction "${satisfaction.slice(0, 16)}" is outside 1–5` };
      level = this.o.satisfactionCodes === 'gbt' ? 6 - Number(satisfaction) : Number(satisfaction);
    }
    return judgeStatus(req.sessionId, { ...rest, sessionId: serviceNumber, rated: status === '1', satisfaction: level });
  }

  /** The 办件 of a page link: what the invitation knows, opened now. A later rating's own service record then finds it 已存在. */
  private pageService(req: LinkRequest): Record<string, string> {
    const out: Record<string, string> = { projectNo: projectNoOf(req), serviceNumber: req.sessionId };
    if (req.taskCode !== undefined) out['taskCode'] = req.taskCode;
    if (this.o.areaCode !== undefined) out['areaCode'] = this.o.areaCode;
    return {
      ...out,
      serviceTime: cstDateTime(this.o.clock.now()),
      proManager: req.proManager,
      proManagerName: this.o.staffName?.(req.proManager) ?? req.proManager,
      proStatus: '3',
    };
  }

  offlineLink(req: LinkRequest): string {
    return offlinePageUrl(this.template, { projectNo: projectNoOf(req), sessionId: req.sessionId, terminalId: req.terminalId, at: this.o.clock.now() });
  }

  /** One rating: its service record first (unless known), the rating, and once more after 没有对应的服务数据. */
  private async rate(stored: EvaluationRecord, path: string, relayBy?: string): Promise<RecordResult | Failure> {
    // Bounded by the province's clock as known now (a rating stamped while this clock ran ahead would be refused for good).
    const r = withinProvinceClock(stored, cstDateTime(this.o.clock.now()));
    if (r.evaluateType === 3) {
      // The province generates 默认评价 itself in this dialect; one made before the terminal changed dialect waits for a technician.
      return { evalId: r.evalId, status: 'rejected', code: 'DEFAULT_RATING', message: '默认评价 is generated by the province in the gov-form dialect' };
    }
    const key = serviceKey(r);
    for (let round = 0; round < 2; round++) {
      if (!this.services.has(key)) {
        const s = await this.service(r, key);
        if (!s.ok) return 'verdict' in s ? { ...s.verdict, evalId: r.evalId } : s.failure;
      }
      const e = await this.post(path, evaluationPayload(r, this.o.satisfactionCodes, relayBy));
      if ('kind' in e) return e;
      if (e.success === 'true') return { evalId: r.evalId, status: 'accepted' };
      const why = classifyMessage(e.message);
      if (why === 'duplicate') return { evalId: r.evalId, status: 'duplicate' };
      if (why === 'service-missing') {
        this.services.delete(key);
        continue;
      }
      const f = this.refusal(e.message);
      return f.kind === 'refused' && f.code === 'REJECTED' ? { evalId: r.evalId, status: 'rejected', code: 'REJECTED', message: e.message } : f;
    }
    // The province took the service record and still says it is missing: not a verdict on the rating, try later.
    return { kind: 'transient', reason: 'the province still has no service record for this rating after it was submitted' };
  }

  /** The service record's submission, shared by every rating of that service in flight now. */
  private service(r: EvaluationRecord, key: string): Promise<Step> {
    const pending = this.serving.get(key);
    if (pending) return pending;
    const p = this.submitService(r, key).finally(() => this.serving.delete(key));
    this.serving.set(key, p);
    return p;
  }

  private async submitService(r: EvaluationRecord, key: string): Promise<Step> {
    const e = await this.post('service/submit', servicePayload(r));
    if ('kind' in e) return { ok: false, failure: e };
    if (e.success === 'true' || classifyMessage(e.message) === 'service-exists') {
      this.remember(key);
      return { ok: true };
    }
    const f = this.refusal(e.message);
    if (f.kind === 'refused' && f.code === 'REJECTED') {
      return { ok: false, verdict: { evalId: r.evalId, status: 'rejected', code: 'SERVICE_REJECTED', message: `service record: ${e.message}` } };
    }
    return { ok: false, failure: f };
  }

  private remember(key: string): void {
    this.services.delete(key);
    this.services.add(key);
    if (this.services.size > KNOWN_SERVICES) {
      const oldest = this.services.values().next().value;
      if (oldest !== undefined) this.services.delete(oldest);
    }
  }

  /** A `success: "false"` that is not about the record's own fate: the clock, the credentials, or (code REJECTED) the record's data. */
  private refusal(message: string): Failure {
    switch (classifyMessage(message)) {
      case 'clock':
        return { kind: 'clock-skew', serverTime: this.o.clock.now() };
      case 'unknown-app':
        return { kind: 'refused', status: 200, code: 'UNKNOWN_APP', message };
      case 'sign':
        return { kind: 'refused', status: 200, code: 'SIGN_REFUSED', message };
      default:
        return { kind: 'refused', status: 200, code: 'REJECTED', message };
    }
  }

  /** One form post; the province's envelope, or why there is none. The clock is learned from a 200 envelope's `Date` only. */
  private async post(path: string, payload: object, timeoutMs = this.o.timeoutMs ?? 15_000): Promise<Envelope | Failure> {
    const url = new URL(path, this.base);
    let res: Response;
    let text: string;
    try {
      const body = formBody(this.o.credentials, this.o.clock.now(), payload);
      res = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await readCapped(res, MAX_REPLY_BYTES);
    } catch (err) {
      return { kind: 'transient', reason: networkFailure(err, timeoutMs) };
    }
    const receivedAt = Date.now();
    if (res.status === 429) return { kind: 'rate-limited', retryAfterMs: retryAfter(res.headers.get('retry-after')) };
    if (res.status !== 200) {
      const what = res.headers.get('content-type')?.includes('html') ? 'an HTML error page' : 'the gateway’s answer';
      return { kind: 'transient', reason: `HTTP ${String(res.status)}: ${what}` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'transient', reason: `HTTP 200 that is not the province's JSON (${res.headers.get('content-type') ?? 'no content type'})` };
    }
    const e = envelopeSchema.safeParse(json);
    if (!e.success) return { kind: 'transient', reason: 'HTTP 200 without the province’s envelope (code, success, message)' };
    this.o.clock.learnDateHeader(res.headers.get('date'), receivedAt);
    return e.data;
  }
}
