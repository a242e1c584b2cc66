import type { EvaluationRecord } from '../record.js';

/** The province dialects a terminal can speak (`province.dialect` in the provisioning file). */
export const DIALECTS = ['hcp-json', 'gov-form'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface RecordResult {
  evalId: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: string | undefined;
  message?: string | undefined;
}

/** Everything a province reply can mean for the caller; a record is never dropped because of any of these. */
export type Failure =
  /** The province refused our time; the adapter has already corrected the clock from its answer. */
  | { kind: 'clock-skew'; serverTime: number }
  | { kind: 'disabled'; message: string }
  | { kind: 'too-large' }
  /** 429: `retryAfterMs` clamped to 1–300 s, or null when the header was absent or unreadable. */
  | { kind: 'rate-limited'; retryAfterMs: number | null }
  /** Our request or credentials are wrong (a bad signature, an unknown app): kept, reported, retried with backoff. */
  | { kind: 'refused'; status: number; code: string; message: string }
  /** 5xx, timeouts, resets, garbage, HTML error pages, anything that is not the dialect's documented answer. */
  | { kind: 'transient'; reason: string };

/**
 * A dialect that keeps several records in flight may get verdicts for some and a failure for the rest: `results` are
 * the verdicts it got, `stoppedBy` what left the others pending (absent: every record sent has its verdict).
 */
export type UploadOutcome = { kind: 'results'; results: RecordResult[]; stoppedBy?: Failure | undefined } | Failure;
export type ConfigOutcome = { kind: 'config'; body: unknown; etag: string | null } | { kind: 'not-modified' } | Failure;
export type LinkOutcome = { kind: 'link'; url: string; expiresAt: string } | Failure;
/** The part of a bundle a per-record dialect relays in one go. */
export interface RelaySlice {
  /** Places in the bundle of the records to send (those without a verdict yet), oldest first. */
  indices: readonly number[];
  onVerdict(index: number, verdict: RecordResult): void;
  /** False once the caller stops (the terminal shutting down): the slice ends before its next record. */
  carryOn(): boolean;
}

/** A software update the province announces in the heartbeat answer (province-api.md v1.2). */
export interface UpdateAnnouncement {
  version: string;
  seq: number;
  url: string;
  size: number;
  sm3: string;
  rolloutPercent: number;
}

export type HeartbeatOutcome = { kind: 'ok'; serverTime: number; configVersion: string; update?: UpdateAnnouncement } | Failure;

export interface LinkRequest {
  terminalId: string;
  sessionId: string;
  proManager: string;
  projectNo?: string | undefined;
  taskCode?: string | undefined;
}

/** province-page.md: a page for one invitation, with the terminal's own page the province's returns to. */
export interface PageLinkRequest extends LinkRequest {
  /** `http://127.0.0.1:<port>/page-return?session=<sessionId>` (headless host) or the Electron shell's same URL. */
  returnUrl: string;
}

/** province-page.md, "Learning the result": whether the province holds a rating for the service, however made. */
export type PageStatusOutcome =
  | {
      kind: 'status';
      sessionId: string;
      rated: boolean;
      /** 1–5, 5 = 非常满意 (gov-form's code already mapped through the terminal's `satisfactionCodes`). */
      satisfaction?: 1 | 2 | 3 | 4 | 5 | undefined;
      evalId?: string | undefined;
      assessTime?: string | undefined;
    }
  | Failure;

/**
 * Page mode (province-page.md), in both dialects: the province's own evaluation page for an invitation, and the
 * status that alone says whether it was rated (reaching `returnUrl` proves nothing). Answers are signed and judged as
 * every other reply of the dialect; an answer for another session, or a satisfaction outside 1–5, is a `transient`.
 */
export interface PageSource {
  /**
   * The page's URL (at most MAX_LINK_CHARS), or why there is none; never checked against `page.origins` here (the
   * caller does). gov-form sends the session's service record first: both requests keep within `timeoutMs`.
   */
  pageLink(req: PageLinkRequest, timeoutMs: number): Promise<LinkOutcome>;
  pageStatus(req: LinkRequest, timeoutMs: number): Promise<PageStatusOutcome>;
}

/** A province that pushes the terminal's configuration (staff, tasks, tags, rating policy). */
export interface ConfigSource {
  fetch(etag: string | null): Promise<ConfigOutcome>;
}

/** A province that wants to hear from the terminal every minute and answers with its clock and config version. */
export interface HeartbeatSink {
  beat(body: object): Promise<HeartbeatOutcome>;
}

/**
 * One province's wire format: the only place it lives. What every dialect has is required: send records and get a
 * verdict per record (a batch, or one at a time), relay another terminal's records, an evaluation link (online and
 * offline), and the clock (every adapter feeds the `ClockOffset` it was built with from the replies its dialect
 * vouches for). What only some provinces have is an optional capability: a dialect without a config endpoint or a
 * heartbeat simply has no `config` or `heartbeat`, and the engine runs nothing for it.
 *
 * The outbox, the uploader's exactly-once and dead-letter rules, the clock offset, the export bundle and the relay
 * are one implementation for every dialect: they speak only this interface.
 */
export interface ProvinceAdapter {
  readonly dialect: Dialect;
  /** How many records one `submit` may carry: 200 for a batch dialect; a per-record dialect's window (gov-form 40, 4 in flight). */
  readonly maxRecordsPerSubmit: number;
  /** One request per record: a relayed bundle goes in slices, each verdict kept as it arrives. Absent: `maxRecordsPerSubmit` 1 says so. */
  readonly recordByRecord?: boolean;
  /** The longest backoff between tries while the province does not answer (a dialect without a heartbeat comes back sooner). */
  readonly backoffCapMs: number;
  /** Whether the terminal itself reports 默认评价 for unrated sessions, or the province generates them. */
  readonly sendsDefaultRatings: boolean;
  /**
   * Sends records, oldest first; the answer is one verdict per record in order, or a failure that leaves them all
   * pending, or (a per-record dialect with several in flight) the verdicts it got and `stoppedBy`.
   */
  submit(records: readonly EvaluationRecord[]): Promise<UploadOutcome>;
  /**
   * Relays another terminal's export bundle (`evalIds`: its records, in order); same verdicts as `submit`. A dialect
   * that sends the bundle whole answers for all its records. One that sends it record by record (`recordByRecord`)
   * sends only `slice.indices`, handing each verdict to `slice.onVerdict` as it arrives (with several in flight, not
   * necessarily in order), so that a failure part-way loses none of them; its answer is the verdicts of the slice's
   * records in order, up to the first without one.
   */
  relayBundle(bundleText: string, evalIds: readonly string[], slice?: RelaySlice): Promise<UploadOutcome>;
  /** The province's page for a session's QR code. */
  createLink(req: LinkRequest, timeoutMs: number): Promise<LinkOutcome>;
  /** The QR code when `createLink` fails or the terminal is offline: made on the terminal, readable by the province. */
  offlineLink(req: LinkRequest): string;
  readonly config?: ConfigSource;
  readonly heartbeat?: HeartbeatSink;
  /** Page mode (province-page.md); both dialects have it. */
  readonly page?: PageSource;
}
