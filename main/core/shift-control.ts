import type { StaffMember } from './config.js';
import type { TerminalEvent } from './events.js';
import type { Invitations } from './invitations.js';
import type { Logger } from './ports.js';
import { summary, type StaffDesk } from './staff.js';

/** A staff action that would have ended a citizen's rating pages: it is carried out when their part is over. */
export type WaitingStaffAction = { kind: 'pause' } | { kind: 'logout' } | { kind: 'login'; member: StaffMember };

export interface ShiftDeps {
  staff: StaffDesk;
  invitations: Invitations;
  log: Logger;
  emit(e: TerminalEvent): void;
}

/**
 * Login, logout, pause and resume. 不得干扰评价: one of these while a citizen who has rated is still on their pages (the
 * follow-up, or the next item of a per-item session) waits for them to submit, skip or time out, instead of throwing
 * away the reasons, comment and call-back number they were typing. Only the latest action waits: a later one replaces
 * it, and one that arrives once the citizen is done clears it (the staff member changed their mind).
 */
export class ShiftControl {
  private waiting: WaitingStaffAction | null = null;

  constructor(private readonly d: ShiftDeps) {}

  /** The action still waiting for the citizen, if any. */
  get waitingAction(): WaitingStaffAction['kind'] | null {
    return this.waiting?.kind ?? null;
  }

  login(member: StaffMember): void {
    if (this.d.staff.current?.staffId === member.staffId) this.waiting = null;
    else if (this.waitForCitizen({ kind: 'login', member })) return;
    this.startShift(member);
  }

  logout(): void {
    if (!this.d.staff.current || this.waitForCitizen({ kind: 'logout' })) return;
    this.endShift();
  }

  pause(): void {
    this.d.staff.present();
    if (this.d.staff.paused || this.waitForCitizen({ kind: 'pause' })) return;
    this.pauseNow();
  }

  resume(): void {
    const member = this.d.staff.present();
    // A pause still waiting for the citizen is simply withdrawn.
    if (this.waiting?.kind === 'pause') {
      this.waiting = null;
      return;
    }
    if (!this.d.staff.paused) return;
    this.d.staff.setPaused(false);
    this.d.emit({ type: 'staff.resume', staff: summary(member) });
  }

  /** Paused, or about to be once the citizen is done. */
  get pausing(): boolean {
    return this.d.staff.paused || this.waiting?.kind === 'pause';
  }

  /** The citizen's part is over: the staff action that waited for it happens now. True if there was one. */
  carryOutWaiting(): boolean {
    const action = this.waiting;
    if (!action) return false;
    this.waiting = null;
    this.d.log.info({ action: action.kind }, 'staff action carried out after the citizen finished');
    if (action.kind === 'pause') this.pauseNow();
    else if (action.kind === 'logout') this.endShift();
    else this.startShift(action.member);
    return true;
  }

  private waitForCitizen(action: WaitingStaffAction): boolean {
    if (!this.d.invitations.citizenRating) {
      this.waiting = null;
      return false;
    }
    this.waiting = action;
    this.d.log.info({ action: action.kind }, "staff action waits for the citizen's follow-up to finish");
    return true;
  }

  private startShift(member: StaffMember): void {
    if (this.d.staff.current?.staffId !== member.staffId) this.d.invitations.endForStaffChange('byStaffChange');
    this.d.staff.start(member);
    this.d.emit({ type: 'staff.login', staff: summary(member) });
  }

  private endShift(): void {
    const member = this.d.staff.current;
    if (!member) return;
    this.d.invitations.endForStaffChange('byLogout');
    this.d.invitations.endThanks();
    this.d.staff.end();
    this.d.emit({ type: 'staff.logout', staff: summary(member) });
  }

  private pauseNow(): void {
    const member = this.d.staff.current;
    if (!member || this.d.staff.paused) return;
    this.d.invitations.endForStaffChange('byPause');
    this.d.invitations.endThanks();
    this.d.staff.setPaused(true);
    this.d.emit({ type: 'staff.pause', staff: summary(member) });
  }
}
