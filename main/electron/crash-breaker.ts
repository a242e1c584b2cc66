/**
 * Decides what to do when the kiosk's renderer dies: reload at once, but after `maxCrashes` within
 * `windowMs` show the local error screen and retry slowly, so a crash loop never becomes a white page.
 */
export class CrashBreaker {
  private crashes: number[] = [];

  constructor(
    private readonly maxCrashes = 3,
    private readonly windowMs = 60_000,
    readonly slowRetryMs = 30_000,
  ) {}

  onCrash(now: number): 'reload' | 'error-screen' {
    this.crashes = [...this.crashes.filter((t) => now - t < this.windowMs), now];
    return this.crashes.length >= this.maxCrashes ? 'error-screen' : 'reload';
  }

  /** A slow retry kept the renderer alive for a full window: start counting afresh. */
  onHealthy(now: number): void {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
  }

  get tripped(): boolean {
    return this.crashes.length >= this.maxCrashes;
  }
}
