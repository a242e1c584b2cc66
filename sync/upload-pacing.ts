import type { ProvinceAdapter, UploadOutcome } from './province/adapter.js';
import { credentialRefusal, credentialWords } from './province/credentials.js';
import type { UploaderLog, UploadStatusBoard } from './upload-status.js';

/** The least a 429 without a usable Retry-After waits. */
const MIN_RATE_LIMITED_MS = 1_000;

export interface UploadPacingOptions {
  adapter: Pick<ProvinceAdapter, 'maxRecordsPerSubmit' | 'backoffCapMs'>;
  maxRecords?: number | undefined;
  backoffBaseMs?: number | undefined;
  backoffCapMs?: number | undefined;
  random?: (() => number) | undefined;
  log: UploaderLog;
}

/**
 * How many records the uploader sends at once and how long it waits after a failure (full-jitter backoff, the
 * province's Retry-After, a batch halved when too large). Its own module so that the sending loop reads as what it
 * sends, and these rules, shared by the terminal's own batches and relayed bundles, stay in one place.
 */
export class UploadPacing {
  private attempt = 0;
  private skewRetries = 0;
  private size: number;

  /** Records one request may carry. */
  private readonly maxRecords: number;
  private readonly backoffCapMs: number;

  constructor(
    private readonly o: UploadPacingOptions,
    private readonly status: UploadStatusBoard,
  ) {
    this.maxRecords = Math.max(1, Math.min(o.maxRecords ?? o.adapter.maxRecordsPerSubmit, o.adapter.maxRecordsPerSubmit));
    this.backoffCapMs = Math.min(o.backoffCapMs ?? o.adapter.backoffCapMs, o.adapter.backoffCapMs);
    this.size = this.maxRecords;
  }

  /** Records the next batch may carry: halved after a too-large refusal, doubled back with each batch answered. */
  get limit(): number {
    return this.size;
  }

  /** The province answered a batch: the backoff starts afresh and the batch grows back. */
  batchAnswered(): void {
    this.attempt = 0;
    this.skewRetries = 0;
    this.size = Math.min(this.maxRecords, this.size * 2);
  }

  /** The province answered a relayed bundle: the backoff starts afresh. */
  bundleAnswered(): void {
    this.attempt = 0;
  }

  /**
   * A bundle's own full-jitter backoff, from its own tries, never under the base (no busy loop on one bundle), and
   * never above the adapter's cap: a gov-form supplement waits at most 60 s like any of its records.
   */
  bundleBackoff(attempts: number): number {
    const base = this.o.backoffBaseMs ?? 1000;
    const ceiling = Math.min(this.backoffCapMs, base * 2 ** Math.min(attempts, 30));
    return Math.max(base, Math.round((this.o.random ?? Math.random)() * ceiling));
  }

  /** What a failed try means for the next one: how long to wait, and what to show. */
  react(outcome: Exclude<UploadOutcome, { kind: 'results' }>, size: number): number | { retryAfterMs: number } {
    switch (outcome.kind) {
      case 'clock-skew':
        // The adapter has learned the offset from the refusal (serverTime, or a gov-form reply's Date): sign again at once, but do not loop on a bad clock.
        this.status.update({ online: true, lastError: 'clock skew corrected' });
        return ++this.skewRetries <= 3 ? 0 : this.backoff();
      case 'too-large':
        this.size = Math.max(1, Math.floor(size / 2));
        this.status.update({ online: true, lastError: `batch too large; sending ${String(this.size)} at a time` });
        return size > 1 ? 0 : this.backoff();
      case 'disabled':
        this.status.update({ online: true, disabled: true, lastError: `terminal disabled by the province: ${outcome.message}` });
        this.o.log.warn({}, 'uploads paused: the province disabled this terminal');
        return 0;
      case 'rate-limited': {
        // A province that said "too many" gets at least a second, whatever its header said or failed to say.
        const wait = outcome.retryAfterMs ?? Math.max(MIN_RATE_LIMITED_MS, this.backoff());
        this.status.update({ online: true, lastError: `rate limited; retrying in ${String(Math.round(wait / 1000))} s` });
        return { retryAfterMs: wait };
      }
      case 'refused': {
        // Credentials (in either dialect, by the connection test's own classifier): the records wait, backed off, in words a technician acts on.
        const credentials = credentialRefusal(outcome);
        if (credentials) {
          this.status.update({ online: true, lastError: credentialWords(credentials), credentials });
          return this.backoff();
        }
        // gov-form answers everything with HTTP 200: the status says nothing there, the province's message does.
        this.status.update({
          online: true,
          lastError: `${outcome.status === 200 ? '' : `HTTP ${String(outcome.status)} `}${outcome.code}: ${outcome.message}`,
        });
        return this.backoff();
      }
      case 'transient':
        this.status.update({ online: false, lastError: outcome.reason });
        return this.backoff();
    }
  }

  /** Full jitter: uniform in [0, min(cap, base · 2^attempt)]. */
  backoff(): number {
    const ceiling = Math.min(this.backoffCapMs, (this.o.backoffBaseMs ?? 1000) * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round((this.o.random ?? Math.random)() * ceiling);
  }
}
