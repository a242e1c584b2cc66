/**
 * The offset between the province's clock and ours (province-api.md, Clock): learned from every response's
 * `Date` header and `serverTime` field, used to sign and to stamp records. `serverTime` (ms) wins over `Date`
 * (whole seconds); a `Date` reading only moves a known offset when it disagrees by more than 1 s (2 s after a
 * `serverTime`).
 */
/** A correction larger than this is believed only when a second reading agrees (a wild reply must not move every record). */
export const LARGE_JUMP_MS = 86_400_000;
/** How close two readings must be to count as agreeing. */
const AGREE_MS = 5_000;
/**
 * How far the local clock may move against the monotonic one since the last reading before the offset is no longer
 * believed: someone set the clock, the RTC reset, or the machine slept. NTP's slew (≤ 500 ppm) needs hours offline
 * to come near it.
 */
export const LOCAL_JUMP_MS = 5_000;

export class ClockOffset {
  private offsetMs: number | null;
  private precise = false;
  /** A large correction seen once, waiting for a second reading that agrees. */
  private candidate: number | null = null;
  /** The local and monotonic clocks at the last reading that confirmed the offset. */
  private anchor: { local: number; mono: number } | null = null;
  private jumped = false;

  constructor(
    private readonly localNow: () => number = Date.now,
    initial: number | null = null,
    private readonly onChange: (offsetMs: number) => void = () => undefined,
    private readonly monoNow: () => number = () => performance.now(),
    private readonly onLocalJump: (ms: number) => void = () => undefined,
  ) {
    this.offsetMs = initial;
    if (initial !== null) this.confirm();
  }

  now(): number {
    return this.localNow() + (this.offsetMs ?? 0);
  }

  /**
   * Whether records may say `clockTrusted`: an offset was learned and the local clock has not jumped since. After a
   * jump (back a day, forward a year) time is the local clock's until the province answers again, and says so.
   */
  known(): boolean {
    if (this.offsetMs === null) return false;
    if (!this.jumped && this.anchor) {
      const moved = this.localNow() - this.anchor.local - (this.monoNow() - this.anchor.mono);
      if (Math.abs(moved) > LOCAL_JUMP_MS) {
        this.jumped = true;
        this.onLocalJump(Math.round(moved));
      }
    }
    return !this.jumped;
  }

  get value(): number | null {
    return this.offsetMs;
  }

  /** `serverTime` in ms, read when the response arrived. */
  learnServerTime(serverTimeMs: number, receivedAt = this.localNow()): void {
    if (!Number.isFinite(serverTimeMs) || serverTimeMs <= 0) return;
    if (this.set(serverTimeMs - receivedAt)) this.precise = true;
  }

  /** An HTTP `Date` header (second resolution). */
  learnDateHeader(date: string | null | undefined, receivedAt = this.localNow()): void {
    if (!date) return;
    const t = Date.parse(date);
    if (!Number.isFinite(t)) return;
    const offset = t + 500 - receivedAt;
    // A Date header is only good to a second: it corrects a wrong clock, it does not refine a known offset.
    if (this.offsetMs !== null && Math.abs(offset - this.offsetMs) <= (this.precise ? 2000 : 1000)) {
      // It agrees with the offset: whatever the local clock did, it is right again.
      this.confirm();
      return;
    }
    this.set(offset);
  }

  /** Returns whether the reading was taken. */
  private set(offset: number): boolean {
    if (Math.abs(offset - (this.offsetMs ?? 0)) > LARGE_JUMP_MS) {
      const agrees = this.candidate !== null && Math.abs(offset - this.candidate) <= AGREE_MS;
      this.candidate = offset;
      if (!agrees) return false;
    }
    this.candidate = null;
    const changed = this.offsetMs === null || Math.abs(offset - this.offsetMs) > 50;
    this.offsetMs = offset;
    this.confirm();
    if (changed) this.onChange(offset);
    return true;
  }

  private confirm(): void {
    this.anchor = { local: this.localNow(), mono: this.monoNow() };
    this.jumped = false;
  }
}
