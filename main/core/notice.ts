import type { Cancel, Clock } from './clock.js';
import { NOTICE_MS } from './policy.js';

export type NoticeKind = 'unknown-badge';

/** A short message over whatever the screen shows (an unknown badge), gone after NOTICE_MS. */
export class TimedNotice {
  private shown: { kind: NoticeKind; until: number; cancel: Cancel } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly onChange: () => void,
  ) {}

  get current(): { kind: NoticeKind; until: number } | null {
    return this.shown && { kind: this.shown.kind, until: this.shown.until };
  }

  show(kind: NoticeKind): void {
    this.shown?.cancel();
    const cancel = this.clock.after(NOTICE_MS, () => {
      this.shown = null;
      this.onChange();
    });
    this.shown = { kind, until: this.clock.now() + NOTICE_MS, cancel };
    this.onChange();
  }

  close(): void {
    this.shown?.cancel();
  }
}
