import type { Cancel, Clock } from './clock.js';
import type { TerminalConfig } from './config.js';
import { THANKS_MS } from './policy.js';

export interface InvitationTimerDeps {
  clock: Clock;
  config: () => TerminalConfig;
  /** 2 in elderly mode (长辈模式: timeouts doubled), else 1. */
  timeoutFactor: () => number;
}

/**
 * An invitation's clocks: the countdown of the page on screen (the invitation, then its follow-up) and the Thanks
 * screen after it, each as long as the province's rating policy says, doubled in elderly mode. Kept apart from
 * Invitations so that its state machine reads as what happens to a citizen, and every timer it arms is cleared here.
 */
export class InvitationTimers {
  private timer: Cancel | null = null;
  private thanks: Cancel | null = null;

  constructor(private readonly d: InvitationTimerDeps) {}

  get thanking(): boolean {
    return this.thanks !== null;
  }

  /** How long an invitation page stays open: the province's timeout, doubled in elderly mode. */
  invitationMs(): number {
    return this.d.config().rating.timeoutSeconds * 1000 * this.d.timeoutFactor();
  }

  /** How long the follow-up stays open from its opening or the citizen's last keystroke, doubled in elderly mode. */
  followUpMs(): number {
    return this.d.config().rating.followUpTimeoutSeconds * 1000 * this.d.timeoutFactor();
  }

  /** The page's countdown: one at a time, a new one replaces the old. */
  arm(ms: number, fn: () => void): void {
    this.clear();
    this.timer = this.d.clock.after(ms, fn);
  }

  clear(): void {
    this.timer?.();
    this.timer = null;
  }

  /** Thanks for THANKS_MS, then `over` (unless another Thanks or endThanks came first). */
  thank(over: () => void): void {
    this.endThanks();
    const cancel = this.d.clock.after(THANKS_MS, () => {
      if (this.thanks !== cancel) return;
      this.thanks = null;
      over();
    });
    this.thanks = cancel;
  }

  endThanks(): void {
    this.thanks?.();
    this.thanks = null;
  }

  close(): void {
    this.clear();
    this.endThanks();
  }
}
