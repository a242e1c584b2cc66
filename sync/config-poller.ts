import type { ConfigSource } from './province/adapter.js';
import type { UploaderLog } from './uploader.js';

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ConfigPollerOptions<T> {
  /** The province's config endpoint: only dialects that have one run a ConfigPoller. */
  source: ConfigSource;
  /** Checks the province's answer; a bad config is rejected and reported, the old one stays. */
  validate: (body: unknown) => Validation<T>;
  /** Applies a validated config atomically (the caller stores it and hands it to the terminal). */
  apply: (config: T, etag: string | null) => void;
  /** The province answered: uploads paused by a 403 may resume, the network is there. */
  onReachable: () => void;
  log: UploaderLog;
  /** Poll at least this often, ms. Default one hour. */
  intervalMs?: number;
  etag?: string | null;
  configVersion?: string | null;
}

/** Fetches the terminal's config at start, when a heartbeat names a new version, and hourly, with ETag. */
export class ConfigPoller<T extends { configVersion: string }> {
  private timer: NodeJS.Timeout | null = null;
  private etag: string | null;
  private inFlight: Promise<void> | null = null;
  private version: string | null;

  constructor(private readonly o: ConfigPollerOptions<T>) {
    this.etag = o.etag ?? null;
    this.version = o.configVersion ?? null;
  }

  start(): void {
    this.pollLogged();
    this.timer = setInterval(() => this.pollLogged(), this.o.intervalMs ?? 3_600_000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A heartbeat reported the province's current config version. */
  onVersion(version: string): void {
    if (version !== this.version) this.pollLogged();
  }

  /** A poll nobody awaits: a failure (the database, a listener) is logged, never an unhandled rejection. */
  private pollLogged(): void {
    this.poll().catch((err: unknown) => this.o.log.warn({ err }, 'config poll failed; keeping the current config'));
  }

  poll(): Promise<void> {
    this.inFlight ??= this.fetchOnce().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async fetchOnce(): Promise<void> {
    const outcome = await this.o.source.fetch(this.etag);
    if (outcome.kind === 'not-modified') {
      this.o.onReachable();
      return;
    }
    if (outcome.kind !== 'config') {
      // The reason in words (a proxy that refused its credentials, an unknown CA …) is what the technician acts on, in
      // the message itself: the diagnostics screen's latest warnings show messages only.
      const reason = 'reason' in outcome ? ` (${outcome.reason})` : '';
      this.o.log.warn({ outcome: outcome.kind }, `config fetch failed${reason}; keeping the current config`);
      return;
    }
    this.o.onReachable();
    const checked = this.o.validate(outcome.body);
    if (!checked.ok) {
      this.o.log.warn({ error: checked.error }, 'the province sent a config that does not validate; keeping the current one');
      return;
    }
    this.o.apply(checked.value, outcome.etag);
    this.etag = outcome.etag;
    this.version = checked.value.configVersion;
    this.o.log.info({ configVersion: checked.value.configVersion }, 'config applied');
  }
}
