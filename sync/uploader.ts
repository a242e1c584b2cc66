import type { Outbox } from './outbox/outbox.js';
import type { ProvinceAdapter, UploadOutcome } from './province/adapter.js';
import type { BundleQueue, PendingBundle } from './relay/bundle-queue.js';
import type { EvaluationRecord } from './record.js';
import type { Timers } from './timers.js';
import { UploadWait } from './upload-wait.js';
import { deadLetterReason } from './relay/bundle-verdict.js';
import { UploadPacing } from './upload-pacing.js';
import { UploadStatusBoard, type UploaderLog, type UploaderStatus } from './upload-status.js';

export type { UploaderLog, UploaderStatus } from './upload-status.js';

export interface UploaderOptions {
  adapter: ProvinceAdapter;
  outbox: UploadQueue;
  log: UploaderLog;
  /** Records per batch, at most the adapter's `maxRecordsPerSubmit` (hcp-json accepts ≤ 200, gov-form's window 40). Default: the adapter's. */
  maxRecords?: number;
  /** JSON bytes per batch (the province accepts ≤ 1 MiB). Default 1 MiB less room for the envelope. */
  maxBytes?: number;
  /** Full-jitter exponential backoff: base and cap, ms. Defaults 1000 and the adapter's cap (300000 hcp-json, 60000 gov-form); never above the adapter's. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Idle wake-up even without a new rating (a safety net), ms. Default 30000. */
  idleMs?: number;
  /** Turns a stored record into what is sent (opens the sealed evaluator name). */
  prepare?: (r: EvaluationRecord) => EvaluationRecord;
  random?: () => number;
  onStatus?: (s: UploaderStatus) => void;
  timers?: Timers;
  /** Other terminals' bundles to relay (offline halls). */
  bundles?: BundleQueue;
}

/**
 * Records of a bundle a per-record dialect relays before the terminal's own records get their turn: with 4 in flight
 * (gov-form v1.1), a long bundle holds the uploader no longer than 20 records one at a time did.
 */
export const RELAY_SLICE = 80;

/** The outbox as the uploader uses it (a fleet simulation gives it a lighter queue). */
export type UploadQueue = Pick<Outbox, 'requeueInFlight' | 'claim' | 'applyResults' | 'unclaim' | 'counts'>;

/**
 * Sends the outbox to the province: one batch in flight, in seq order, waking at once after a new rating.
 * Every failure leaves the records pending; only the province's per-record answer changes their state.
 */
export class Uploader {
  private running = false;
  private readonly waits: UploadWait;
  private readonly board: UploadStatusBoard;
  private readonly pace: UploadPacing;
  private loop: Promise<void> | null = null;
  /** A failed queue operation may have left a batch in flight: put it back before claiming again. */
  private requeue = false;
  /** Whose turn it is when both a bundle and the terminal's own records wait. */
  private bundleTurn = true;

  constructor(private readonly o: UploaderOptions) {
    this.board = new UploadStatusBoard({ log: o.log, pending: () => o.outbox.counts().pending, onStatus: (st) => o.onStatus?.(st) });
    this.pace = new UploadPacing(o, this.board);
    this.waits = new UploadWait(o.timers);
  }

  status(): UploaderStatus {
    return this.board.status();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.o.outbox.requeueInFlight();
    this.loop = this.run();
  }

  /** Stops without waiting long for a request in flight: its records stay in-flight and go again at the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.waits.wake('stop');
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 1000).unref())]);
  }

  /** A rating was committed: send now rather than at the next idle wake-up. */
  notify(): void {
    if (!this.board.disabled) this.waits.wake('rating');
  }

  /** The config poll succeeded: a 403 pause is over. */
  enable(): void {
    if (!this.board.disabled) return;
    this.board.update({ disabled: false });
    this.waits.wake('province');
  }

  /** Any good answer from the province (config, heartbeat) means the network is there. */
  markOnline(): void {
    if (!this.board.online) this.board.update({ online: true });
  }

  /** A successful heartbeat: the province is reachable again, so a backoff ends now (province-api v1.1); a Retry-After is still honoured. */
  provinceBack(): void {
    this.markOnline();
    this.waits.wake('province');
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (err) {
        // The queue itself failed (a full disk, a locked file): records stay where they are, in-flight ones go back
        // to pending once the store answers again, and the loop lives on instead of dying with the rejection.
        this.o.log.warn({ err: String(err) }, 'upload queue unavailable; trying again after a backoff');
        this.requeue = true;
        await this.sleep(this.pace.backoff(), 'backoff');
      }
    }
  }

  private async step(): Promise<void> {
    if (this.requeue) {
      this.o.outbox.requeueInFlight();
      this.requeue = false;
    }
    if (this.board.disabled) {
      await this.sleep(Number.POSITIVE_INFINITY, 'idle');
      return;
    }
    // Another terminal's bundle and this terminal's own batches take turns: neither a run of bundles nor one
    // backing off (it waits for its own time, below) holds the terminal's own records back.
    let bundle = this.o.bundles?.next() ?? null;
    let batch: ReturnType<UploadQueue['claim']> = [];
    if (!bundle || !this.bundleTurn) {
      batch = this.o.outbox.claim(this.pace.limit, this.o.maxBytes ?? 1024 * 1024 - 4096);
      if (batch.length > 0) bundle = null;
    }
    if (!bundle && batch.length === 0) {
      const due = this.o.bundles?.nextDueInMs() ?? null;
      await this.sleep(Math.min(this.o.idleMs ?? 30_000, due ?? Number.POSITIVE_INFINITY), 'idle');
      return;
    }
    this.bundleTurn = !bundle;
    const next = bundle ? await this.relay(bundle) : await this.send(batch.map((e) => e.record));
    if (typeof next === 'number') {
      if (next > 0) await this.sleep(next, 'backoff');
    } else {
      await this.sleep(next.retryAfterMs, 'retry-after');
    }
  }

  /** Sends one batch; returns how long to back off before the next (0: at once), or the province's own Retry-After. */
  private async send(records: EvaluationRecord[]): Promise<number | { retryAfterMs: number }> {
    const prepare = this.o.prepare ?? ((r: EvaluationRecord) => r);
    let outcome;
    try {
      outcome = await this.o.adapter.submit(records.map(prepare));
    } catch (err) {
      outcome = { kind: 'transient' as const, reason: `adapter failed: ${String(err)}` };
    }
    if (!this.running) {
      // Answered while stopping: kept while the store still takes them (stop() waits for this), else sent again at the
      // next start, each then a duplicate at the province.
      if (outcome.kind === 'results') keepQuietly(() => this.o.outbox.applyResults(outcome.results));
      return 0;
    }
    if (outcome.kind === 'results') {
      this.o.outbox.applyResults(outcome.results);
      const rejected = outcome.results.filter((r) => r.status === 'rejected');
      this.pace.batchAnswered();
      this.board.update({
        online: true,
        lastUploadAt: new Date().toISOString(),
        lastError: rejected.length ? `${rejected.length} record(s) rejected: ${rejected[0]?.code ?? ''} ${rejected[0]?.message ?? ''}`.trim() : null,
        credentials: null,
      });
      if (rejected.length)
        this.o.log.warn({ rejected: rejected.map((r) => ({ evalId: r.evalId, code: r.code })) }, 'records rejected by the province (dead-letter)');
    }
    // Records without a verdict (all of them, or those a per-record dialect had not got to) wait for the next try.
    const failure = outcome.kind === 'results' ? outcome.stoppedBy : outcome;
    if (!failure) return 0;
    const judged = new Set(outcome.kind === 'results' ? outcome.results.map((r) => r.evalId) : []);
    const rest = records.map((r) => r.evalId).filter((id) => !judged.has(id));
    this.o.outbox.unclaim(rest, describe(failure));
    return this.pace.react(failure, records.length);
  }

  /**
   * Relays one bundle of another terminal's records (province-api v1.1), with the same backoff as batches. A dialect
   * that sends records one by one gets a slice of the records without a verdict; each verdict is kept as it arrives,
   * so a failure or a restart resumes after it, and the terminal's own records take their turn between slices.
   */
  private async relay(b: PendingBundle): Promise<number | { retryAfterMs: number }> {
    const bundles = this.o.bundles;
    if (!bundles) return 0;
    const perRecord = this.o.adapter.recordByRecord ?? this.o.adapter.maxRecordsPerSubmit === 1;
    const slice = perRecord ? b.unjudged.slice(0, RELAY_SLICE) : b.unjudged;
    let progressed = false;
    let outcome: UploadOutcome;
    try {
      outcome = await this.o.adapter.relayBundle(b.body, b.evalIds, {
        indices: slice,
        onVerdict: (i, v) => {
          bundles.verdict(b.bundleId, i, v);
          progressed = true;
        },
        carryOn: () => this.running,
      });
    } catch (err) {
      outcome = { kind: 'transient', reason: `adapter failed: ${String(err)}` };
    }
    if (outcome.kind === 'results') {
      // Whole (a bundle dialect answers for every record) or the slice's, in order; kept before anything else.
      const places = outcome.results.length === b.evalIds.length ? [...b.evalIds.keys()] : slice;
      outcome.results.forEach((v, k) => {
        const at = places[k];
        if (at !== undefined) bundles.verdict(b.bundleId, at, v);
      });
      progressed ||= outcome.results.length > 0;
    }
    if (!this.running) return 0;
    if (outcome.kind === 'results' && !bundles.judged(b.bundleId)) {
      bundles.progressed(b.bundleId);
      this.pace.bundleAnswered();
      this.board.update({ online: true, lastUploadAt: new Date().toISOString(), lastError: null });
      return 0;
    }
    if (outcome.kind === 'results') {
      bundles.done(b.bundleId);
      this.pace.bundleAnswered();
      // Refused records stay with the bundle (a technician may resend it) and say so, as the terminal's own do.
      const done = bundles.get(b.bundleId);
      const rejected = done?.rejected ?? 0;
      this.board.update({
        online: true,
        lastUploadAt: new Date().toISOString(),
        lastError: rejected
          ? `bundle from ${b.originTerminal}: ${String(rejected)} record(s) rejected: ${done?.lastCode ?? ''} ${done?.lastError ?? ''}`.trim()
          : null,
        credentials: null,
      });
      this.o.log.info({ origin: b.originTerminal, records: b.evalIds.length, rejected }, 'relayed another terminal’s bundle');
      return 0;
    }
    const dead = deadLetterReason(outcome, b.refusals);
    if (dead) {
      bundles.deadLetter(b.bundleId, dead, describe(outcome));
      // Published, so that the diagnostics screen shows the dead bundle without waiting for another change.
      this.board.update({ online: true, lastError: `bundle from ${b.originTerminal} refused (${dead}): ${describe(outcome)}` });
      this.o.log.warn(
        { origin: b.originTerminal, code: dead, reason: describe(outcome) },
        'bundle refused by the province (dead-letter); a technician may resend it or set it aside',
      );
      return 0;
    }
    if (outcome.kind === 'refused' || outcome.kind === 'transient') {
      // The bundle waits for its own backoff while the terminal's own records go; a province that is down fails
      // those too, and the uploader's own backoff then holds everything.
      const refused = outcome.kind === 'refused' ? { code: outcome.code } : null;
      // A try that got verdicts before it failed starts the bundle's backoff afresh: the province is answering.
      bundles.failed(b.bundleId, describe(outcome), this.pace.bundleBackoff(progressed ? 0 : b.attempts), refused);
      this.board.update(
        outcome.kind === 'refused'
          ? { online: true, lastError: `bundle: HTTP ${String(outcome.status)} ${outcome.code}: ${outcome.message}` }
          : { online: false, lastError: outcome.reason },
      );
      return 0;
    }
    bundles.failed(b.bundleId, describe(outcome), 0);
    return this.pace.react(outcome, 1);
  }

  private sleep(ms: number, kind: 'idle' | 'backoff' | 'retry-after'): Promise<void> {
    return this.waits.sleep(ms, kind);
  }
}

function describe(o: { kind: string; reason?: string; message?: string; code?: string }): string {
  return o.reason ?? o.message ?? o.code ?? o.kind;
}

/** A write that may find the store already closed (a shutdown): what it would have kept is done again later instead. */
function keepQuietly(write: () => void): void {
  try {
    write();
  } catch {
    // Closed under us: the records stay in-flight and go again at the next start.
  }
}
