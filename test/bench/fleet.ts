import type { OutboxCounts, OutboxEntry } from '../../sync/outbox/outbox.js';
import type { Failure, ProvinceAdapter, RecordResult, UploadOutcome } from '../../sync/province/adapter.js';
import type { EvaluationRecord } from '../../sync/record.js';
import { Heartbeat } from '../../sync/heartbeat.js';
import { Uploader, type UploadQueue } from '../../sync/uploader.js';
import { silentLog } from '../helpers/core.js';
import { newRecord } from '../helpers/fixtures.js';
import { seeded, VirtualTime } from './virtual-time.js';

const MIN = 60_000;

/** A terminal's outbox reduced to what the uploader uses, in memory: a fleet of 2,000 SQLite files would measure the disk. */
class MemoryQueue implements UploadQueue {
  private queue: OutboxEntry[] = [];
  private inFlight = new Map<string, OutboxEntry>();
  private seq = 0;

  constructor(private readonly template: EvaluationRecord) {}

  add(evalId: string): void {
    const record = { ...this.template, evalId, seq: ++this.seq };
    this.queue.push({ seq: record.seq, evalId, state: 'pending', record, attempts: 0, lastCode: null, lastError: null });
  }
  requeueInFlight(): number {
    const n = this.inFlight.size;
    this.unclaim([...this.inFlight.keys()]);
    return n;
  }
  claim(maxRecords: number): OutboxEntry[] {
    const picked = this.queue.splice(0, maxRecords);
    for (const e of picked) this.inFlight.set(e.evalId, e);
    return picked;
  }
  applyResults(results: readonly RecordResult[]): void {
    for (const r of results) this.inFlight.delete(r.evalId);
  }
  unclaim(evalIds: readonly string[]): void {
    const back = evalIds.flatMap((id) => this.inFlight.get(id) ?? []);
    evalIds.forEach((id) => this.inFlight.delete(id));
    this.queue = [...back, ...this.queue].sort((a, b) => a.seq - b.seq);
  }
  counts(): OutboxCounts {
    return { pending: this.queue.length + this.inFlight.size, deadLetter: 0, held: 0, oldestPendingAt: null };
  }
}

export interface FleetOptions {
  terminals: number;
  /** Requests a second the province serves; the rest get 429 with Retry-After: 1. */
  rateLimit: number;
  outageMs: number;
  /** The terminals' own jitter (full-jitter backoff, jittered heartbeat); off: full backoff, fixed heartbeat. */
  jitter: boolean;
  seed: number;
}

export interface FleetResult {
  /** Requests reaching the province per second, in the ten minutes before the outage. */
  steady: number[];
  /** The same, in the first minute after the province came back. */
  firstMinute: number[];
  rateLimitedShare: number;
  /** From the province's return until the last terminal's backlog from before it was accepted. */
  emptyAfterMs: number | null;
  requestsAfter: number;
}

/**
 * 2,000 terminals, each its real Uploader and Heartbeat on one virtual clock, against one rate-limited province that
 * goes away for `outageMs`. Terminals boot over the first 10 minutes and each rates every 3 minutes on average
 * (a busy window) throughout, outage included. Requests take 40 ms; a province that is down refuses at once.
 */
export async function simulateFleet(o: FleetOptions): Promise<FleetResult> {
  const vt = new VirtualTime();
  const random = seeded(o.seed);
  const LATENCY = 40;
  const outageStart = 30 * MIN;
  const back = outageStart + o.outageMs;
  const perSecond = new Map<number, number>();
  let afterBack = 0;
  let limitedAfterBack = 0;
  const template = { ...newRecord({ satisfaction: 5, clockTrusted: true }), seq: 1, chainHash: '0'.repeat(64) };

  const answer = <T>(ok: () => T): Promise<T | Failure> =>
    new Promise((resolve) => {
      const up = vt.t < outageStart || vt.t >= back;
      let out: T | Failure = { kind: 'transient', reason: 'connection refused' };
      if (up) {
        const sec = Math.floor(vt.t / 1000);
        const n = (perSecond.get(sec) ?? 0) + 1;
        perSecond.set(sec, n);
        const limited = n > o.rateLimit;
        if (vt.t >= back) {
          afterBack++;
          if (limited) limitedAfterBack++;
        }
        out = limited ? { kind: 'rate-limited', retryAfterMs: 1000 } : ok();
      }
      vt.set(() => resolve(out), LATENCY);
    });

  const backlogs: Set<string>[] = [];
  const empty: { at: number | null } = { at: null };
  let unfinished = 0;
  for (let i = 0; i < o.terminals; i++) {
    const queue = new MemoryQueue(template);
    const rng = o.jitter ? seeded(o.seed * 7919 + i) : () => 1;
    const backlog = new Set<string>();
    backlogs.push(backlog);
    const sink = { beat: () => answer(() => ({ kind: 'ok' as const, serverTime: vt.t, configVersion: 'v1' })) };
    const adapter: ProvinceAdapter = {
      dialect: 'hcp-json',
      maxRecordsPerSubmit: 200,
      backoffCapMs: 300_000,
      sendsDefaultRatings: true,
      submit: (records) =>
        answer<UploadOutcome>(() => {
          for (const r of records) {
            if (backlog.delete(r.evalId) && backlog.size === 0 && vt.t >= back && --unfinished === 0) empty.at = vt.t;
          }
          return { kind: 'results', results: records.map((r) => ({ evalId: r.evalId, status: 'accepted' as const })) };
        }),
      heartbeat: sink,
      config: { fetch: () => answer(() => ({ kind: 'not-modified' as const })) },
      createLink: () => Promise.resolve({ kind: 'transient', reason: 'unused' }),
      offlineLink: () => 'unused',
      relayBundle: () => Promise.reject(new Error('unused')),
    };
    const uploader = new Uploader({ adapter, outbox: queue, log: silentLog, timers: vt, random: rng });
    const heartbeat = new Heartbeat({
      sink,
      body: () => ({}),
      onOk: () => uploader.provinceBack(),
      timers: vt,
      random: rng,
      jitter: o.jitter ? 0.1 : 0,
      log: silentLog,
    });
    let n = 0;
    const rate = () => {
      const id = `${String(i)}-${String(n++)}`;
      queue.add(id);
      if (vt.t < back) backlog.add(id);
      uploader.notify();
      vt.set(rate, -Math.log(1 - random()) * 3 * MIN);
    };
    vt.set(
      () => {
        uploader.start();
        heartbeat.start();
        vt.set(rate, -Math.log(1 - random()) * 3 * MIN);
      },
      random() * 10 * MIN,
    );
  }
  await vt.run(back, () => false);
  unfinished = backlogs.filter((b) => b.size > 0).length;
  await vt.run(back + 30 * MIN, () => unfinished === 0);
  const seconds = (from: number, to: number) => Array.from({ length: (to - from) / 1000 }, (_, k) => perSecond.get(from / 1000 + k) ?? 0);
  return {
    steady: seconds(outageStart - 10 * MIN, outageStart),
    firstMinute: seconds(back, back + MIN),
    rateLimitedShare: afterBack ? limitedAfterBack / afterBack : 0,
    emptyAfterMs: empty.at === null ? null : empty.at - back,
    requestsAfter: afterBack,
  };
}
