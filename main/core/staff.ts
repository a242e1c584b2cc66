import type { StaffMember, TerminalConfig } from './config.js';
import { CommandError } from './errors.js';
import type { StaffSummary } from './events.js';
import type { ShiftStore } from './ports.js';

export interface StaffAuth {
  pinHashes: Readonly<Record<string, string>>;
  verifyPin: ((pin: string, hash: string) => Promise<boolean>) | undefined;
  now: () => number;
}

/** Wrong PINs in a row for one staff member before their PIN login locks. */
export const PIN_ATTEMPTS = 5;
export const PIN_LOCK_MS = 5 * 60_000;

/** Who is serving at the window and whether they paused: the roster, badge and PIN login, and the shift kept across restarts. */
export class StaffDesk {
  private member: StaffMember | null = null;
  private onPause = false;
  /** Wrong PINs per staff id; the lock is per person, so one colleague's typos do not lock the window. */
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();

  constructor(
    private readonly shifts: ShiftStore,
    private readonly auth: StaffAuth,
  ) {}

  get current(): StaffMember | null {
    return this.member;
  }

  get paused(): boolean {
    return this.onPause;
  }

  /** The shift saved before a stop, if its staff member is still on the roster. */
  recover(config: TerminalConfig): void {
    const saved = this.shifts.load();
    if (!saved) return;
    this.member = config.staff.find((m) => m.staffId === saved.staffId) ?? null;
    this.onPause = this.member ? saved.paused : false;
  }

  byBadge(config: TerminalConfig, badgeId: string): StaffMember | null {
    const id = badgeId.toUpperCase();
    return config.staff.find((m) => m.badgeIds.some((b) => b.toUpperCase() === id)) ?? null;
  }

  /** PIN login: after PIN_ATTEMPTS wrong PINs the staff member's PIN is refused unchecked for PIN_LOCK_MS. */
  async byPin(config: TerminalConfig, staffId: string, pin: string): Promise<StaffMember> {
    const member = config.staff.find((m) => m.staffId === staffId);
    if (!member) throw new CommandError('UNKNOWN_STAFF', `staff id ${staffId} is not in this terminal's roster`);
    const hash = this.auth.pinHashes[staffId];
    if (!hash) throw new CommandError('BAD_PIN', `staff member ${staffId} has no PIN provisioned; log in with the badge`);
    const f = this.failures.get(staffId) ?? { count: 0, lockedUntil: 0 };
    const now = this.auth.now();
    if (f.lockedUntil > now) {
      throw new CommandError(
        'PIN_LOCKED',
        `too many wrong PINs; PIN login for ${staffId} is locked for ${String(Math.ceil((f.lockedUntil - now) / 1000))} s (the badge still works)`,
      );
    }
    // Counted before the slow check, so parallel guesses cannot all slip in under the limit.
    f.count += 1;
    this.failures.set(staffId, f);
    if (f.count >= PIN_ATTEMPTS) f.lockedUntil = now + PIN_LOCK_MS;
    if (!(await this.auth.verifyPin?.(pin, hash))) {
      if (f.count >= PIN_ATTEMPTS) f.count = 0;
      throw new CommandError('BAD_PIN', 'the PIN is wrong');
    }
    this.failures.delete(staffId);
    return member;
  }

  /** Who is at the window, or NO_STAFF. */
  present(): StaffMember {
    if (!this.member) throw new CommandError('NO_STAFF', 'no staff member is logged in at this window; log in first');
    return this.member;
  }

  /** Who is serving (present and not paused), or NO_STAFF / PAUSED. */
  serving(): StaffMember {
    const member = this.present();
    if (this.onPause) throw new CommandError('PAUSED', 'service at this window is paused; resume it first');
    return member;
  }

  start(member: StaffMember): void {
    this.member = member;
    this.onPause = false;
    this.persist();
  }

  end(): void {
    this.member = null;
    this.onPause = false;
    this.persist();
  }

  setPaused(paused: boolean): void {
    this.onPause = paused;
    this.persist();
  }

  /** A new roster keeps the same person serving with their new name, title or photo. */
  applyRoster(config: TerminalConfig): void {
    const id = this.member?.staffId;
    if (id !== undefined) this.member = config.staff.find((m) => m.staffId === id) ?? this.member;
  }

  private persist(): void {
    this.shifts.save(this.member ? { staffId: this.member.staffId, paused: this.onPause } : null);
  }
}

export function summary(m: StaffMember): StaffSummary {
  return { staffId: m.staffId, name: m.name, ...(m.title ? { title: m.title } : {}) };
}
