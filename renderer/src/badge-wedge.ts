/**
 * Tells a keyboard-emulating badge reader from a person: a reader types 4..32 hex digits and Enter with at most
 * 30 ms between keystrokes (keypad-serial-protocol.md, Badge readers); people type far slower.
 */
export interface WedgeOptions {
  maxGapMs?: number;
  minLength?: number;
  maxLength?: number;
}

export class WedgeDetector {
  private buf = '';
  private lastAt = Number.NEGATIVE_INFINITY;
  private readonly maxGap: number;
  private readonly minLen: number;
  private readonly maxLen: number;

  constructor(o: WedgeOptions = {}) {
    this.maxGap = o.maxGapMs ?? 30;
    this.minLen = o.minLength ?? 4;
    this.maxLen = o.maxLength ?? 32;
  }

  /** Whether the next key would continue a burst that began earlier (the burst's first key is already typed). */
  get inBurst(): boolean {
    return this.buf.length > 0;
  }

  /** Feeds one key (`KeyboardEvent.key`) at time `at` (ms); returns the badge id when a scan completes. */
  key(key: string, at: number): string | null {
    const gap = at - this.lastAt;
    this.lastAt = at;
    if (/^[0-9A-Fa-f]$/.test(key)) {
      this.buf = this.buf && gap <= this.maxGap && this.buf.length < this.maxLen ? this.buf + key : key;
      return null;
    }
    const done = key === 'Enter' && gap <= this.maxGap && this.buf.length >= this.minLen ? this.buf.toUpperCase() : null;
    this.buf = '';
    return done;
  }

  /** Length of the burst so far (characters that may have landed in a text field). */
  get length(): number {
    return this.buf.length;
  }
}
