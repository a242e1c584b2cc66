import type { ProvinceAdapter } from './province/adapter.js';

export interface HeartbeatOptions {
  adapter: ProvinceAdapter;
  /** The body's figures, read fresh for each beat. */
  body: () => object;
  onOk: (configVersion: string) => void;
  /** Default 60000 ms (province-api.md). */
  intervalMs?: number;
}

/** POSTs the heartbeat every minute; its answer carries the server time and the current config version. */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: HeartbeatOptions) {}

  start(): void {
    const beat = async () => {
      const r = await this.o.adapter.heartbeat(this.o.body());
      if (r.kind === 'ok') this.o.onOk(r.configVersion);
    };
    this.timer = setInterval(() => void beat(), this.o.intervalMs ?? 60_000);
    void beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
