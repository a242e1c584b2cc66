import type { ProvinceAdapter } from './province/adapter.js';

export interface HeartbeatOptions {
  adapter: ProvinceAdapter;
  /** The body's figures, read fresh for each beat. */
  body: () => object;
  onOk: (configVersion: string) => void;
  /** Default 60000 ms (province-api.md). */
  intervalMs?: number;
  log: { error(obj: object, msg?: string): void };
}

/** POSTs the heartbeat every minute; its answer carries the server time and the current config version. */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: HeartbeatOptions) {}

  start(): void {
    const beat = () => {
      Promise.resolve()
        .then(() => this.o.adapter.heartbeat(this.o.body()))
        .then((r) => {
          if (r.kind === 'ok') this.o.onOk(r.configVersion);
        })
        .catch((err: unknown) => this.o.log.error({ err }, 'heartbeat failed'));
    };
    this.timer = setInterval(beat, this.o.intervalMs ?? 60_000);
    beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
