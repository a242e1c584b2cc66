import type { EvaluationRecord } from '../record.js';

export interface RecordResult {
  evalId: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: string | undefined;
  message?: string | undefined;
}

/** Everything a province reply can mean for the caller; a record is never dropped because of any of these. */
export type Failure =
  | { kind: 'clock-skew'; serverTime: number }
  | { kind: 'disabled'; message: string }
  | { kind: 'too-large' }
  /** 429: `retryAfterMs` clamped to 1–300 s, or null when the header was absent or unreadable. */
  | { kind: 'rate-limited'; retryAfterMs: number | null }
  /** 400 / 401 other than CLOCK_SKEW: our request or credentials are wrong. */
  | { kind: 'refused'; status: number; code: string; message: string }
  /** 5xx, timeouts, resets, garbage, HTML error pages. */
  | { kind: 'transient'; reason: string };

export type UploadOutcome = { kind: 'results'; results: RecordResult[] } | Failure;
export type ConfigOutcome = { kind: 'config'; body: unknown; etag: string | null } | { kind: 'not-modified' } | Failure;
export type LinkOutcome = { kind: 'link'; url: string; expiresAt: string } | Failure;
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

/**
 * One province's wire format. The outbox and uploader speak only this interface, so a province with another
 * format (field names, GB/T 39046 numbering, XML …) gets another adapter and nothing else changes.
 */
export interface ProvinceAdapter {
  uploadBatch(batchId: string, records: readonly EvaluationRecord[]): Promise<UploadOutcome>;
  /** Relays another terminal's export bundle, its text unchanged; `evalIds` are its records, in order. */
  relayBundle(bundleText: string, evalIds: readonly string[]): Promise<UploadOutcome>;
  fetchConfig(etag: string | null): Promise<ConfigOutcome>;
  createLink(req: LinkRequest, timeoutMs: number): Promise<LinkOutcome>;
  heartbeat(body: object): Promise<HeartbeatOutcome>;
}
