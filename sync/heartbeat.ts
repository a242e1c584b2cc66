import type { HeartbeatOutcome, HeartbeatSink, UpdateAnnouncement } from './province/adapter.js';
import { NODE_TIMERS, type Timers } from './timers.js';

export interface HeartbeatOptions {
  /** The province's heartbeat endpoint: only dialects that have one run a Heartbeat. */
  sink: HeartbeatSink;
  /** The body's figures, read fresh for each beat. */
  body: () => object;
  onOk: (configVersion: string, update?: UpdateAnnouncement) => void;
  /** Default 60000 ms (province-api.md). */
  intervalMs?: number;
  /** Each wait is the interval ± this share of it, at random (default 0.1); 0 turns the jitter off. */
  jitter?: number;
  random?: () => number;
  timers?: Timers;
  log: { error(obj: object, msg?: string): void };
}

/**
 * POSTs the heartbeat about every minute; its answer carries the server time and the current config version.
 * The wait is jittered because a successful beat releases a backed-off upload queue (province-api v1.1): terminals
 * that booted together (a hall after a power cut) drift apart, so a fleet does not come back to the province at once.
 */
export class Heartbeat {
  private handle: unknown = null;
  private running = false;
  private readonly timers: Timers;

  constructor(private readonly o: HeartbeatOptions) {
    this.timers = o.timers ?? NODE_TIMERS;
  }

  start(): void {
    this.running = true;
    this.beat();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
  }

  private beat(): void {
    if (!this.running) return;
    const interval = this.o.intervalMs ?? 60_000;
    const spread = this.o.jitter ?? 0.1;
    const wait = interval * (1 - spread + 2 * spread * (this.o.random ?? Math.random)());
    this.handle = this.timers.set(() => this.beat(), Math.max(1, Math.round(wait)));
    let sent: Promise<HeartbeatOutcome>;
    try {
      sent = this.o.sink.beat(this.o.body());
    } catch (err) {
      sent = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    sent
      .then((r) => {
        if (r.kind === 'ok' && this.running) this.o.onOk(r.configVersion, r.update);
      })
      .catch((err: unknown) => this.o.log.error({ err }, 'heartbeat failed'));
  }
}
