import type { TerminalState, TerminalView } from '../bridge/contract.js';
import { maskBadge } from '../bridge/formats.js';
import type { TerminalConfig } from './config.js';
import { generateDefaults } from './default-ratings.js';
import { CommandError } from './errors.js';
import type { StaffSummary, SyncStatus, TerminalEvent } from './events.js';
import type { Invitations, OpenedSession, OpenSessionRequest } from './invitations.js';
import type { Level } from './levels.js';
import type { TimedNotice } from './notice.js';
import type { FollowUpAnswer } from './policy.js';
import type { TerminalPorts } from './ports.js';
import type { RatingBook } from './ratings.js';
import type { Pf } from './records.js';
import { answerOf, type SessionAnswer, type TerminalStatus } from './session.js';
import { summary, type StaffDesk } from './staff.js';
import type { TechnicianDesk } from './technician.js';
import type { Locale } from './view.js';
import type { CitizenPrefs } from './citizen-prefs.js';
import type { StorageGuard } from './storage-guard.js';
import type { ShiftControl } from './shift-control.js';
import type { PageOutcomes } from './page-outcomes.js';
import { TerminalReadout } from './terminal-readout.js';
import { assembleParts } from './terminal-parts.js';

export type { OpenSessionRequest } from './invitations.js';
export type { FollowUpAnswer } from './policy.js';
export type { TerminalStatus } from './session.js';

/**
 * The terminal: who is serving, which invitation is open, and turning a citizen's choice into a stored rating.
 * A facade over its parts (staff, invitations, ratings, policy, view); every outside thing arrives as a port.
 * State is derived, never stored twice.
 */
export class Terminal {
  private readonly staff: StaffDesk;
  private readonly book: RatingBook;
  private readonly invitations: Invitations;
  private readonly tech: TechnicianDesk;
  private config: TerminalConfig;
  private readonly notice: TimedNotice;
  private readonly prefs: CitizenPrefs;
  private readonly storage: StorageGuard;
  private readonly shifts: ShiftControl;
  readonly pageMode: PageOutcomes;
  private readonly out: TerminalReadout;

  constructor(private readonly ports: TerminalPorts) {
    this.config = ports.config;
    const parts = assembleParts(ports, { config: () => this.config, emit: (e) => this.emit(e), changed: () => this.changed() });
    ({ prefs: this.prefs, notice: this.notice, staff: this.staff, storage: this.storage, book: this.book } = parts);
    ({ invitations: this.invitations, pageMode: this.pageMode, shifts: this.shifts, tech: this.tech } = parts);
    this.out = new TerminalReadout({ ...parts, ports, config: () => this.config });
    const { abandoned, released } = ports.repo.recover(ports.clock.now());
    if (abandoned || released) ports.log.info({ abandoned, released }, 'recovered after restart');
    this.staff.recover(this.config);
    this.storage.start();
  }

  // ── queries ──────────────────────────────────────────────────────────────

  state(): TerminalState {
    return this.out.state();
  }

  currentStaff(): StaffSummary | null {
    return this.out.currentStaff();
  }

  getSession(sessionId: string): SessionAnswer {
    const row = this.ports.repo.session(sessionId);
    if (!row) throw new CommandError('SESSION_NOT_FOUND', `no session ${sessionId} on this terminal`);
    return answerOf(row);
  }

  syncStatus(): SyncStatus {
    return this.out.syncStatus();
  }

  status(): TerminalStatus {
    return this.out.status();
  }

  view(): TerminalView {
    return this.out.view();
  }

  onEvent(listener: (e: TerminalEvent) => void): () => void {
    return this.out.onEvent(listener);
  }

  onView(listener: (v: TerminalView) => void): () => void {
    return this.out.onView(listener);
  }

  // ── staff ────────────────────────────────────────────────────────────────

  loginByBadge(badgeId: string): StaffSummary {
    if (this.tech.requestPadFor(badgeId)) {
      this.changed();
      throw new CommandError('TECHNICIAN_BADGE', 'a technician badge: enter the technician PIN on the screen');
    }
    this.requireOperational();
    const member = this.staff.byBadge(this.config, badgeId);
    if (!member) {
      this.notice.show('unknown-badge');
      throw new CommandError('UNKNOWN_BADGE', `badge ${maskBadge(badgeId)} is not registered to any staff member of this window`);
    }
    return this.login(member);
  }

  async loginByPin(staffId: string, pin: string): Promise<StaffSummary> {
    this.requireOperational();
    const member = await this.staff.byPin(this.config, staffId, pin);
    this.requireOperational();
    return this.login(member);
  }

  logout(): void {
    this.shifts.logout();
  }

  pause(): void {
    this.requireOperational();
    this.shifts.pause();
  }

  resume(): void {
    this.requireOperational();
    this.shifts.resume();
  }

  togglePause(): void {
    if (!this.staff.current) return;
    if (this.shifts.pausing) this.resume();
    else this.pause();
  }

  /** A pause, logout or staff change asked for during a citizen's follow-up, carried out when they are done. */
  get staffActionWaiting(): 'pause' | 'logout' | 'login' | null {
    return this.shifts.waitingAction;
  }

  // ── invitations ──────────────────────────────────────────────────────────

  openSession(req: OpenSessionRequest): Promise<OpenedSession> {
    return this.open(req, false);
  }

  cancelSession(sessionId: string): void {
    this.invitations.cancel(sessionId);
  }

  choose(sessionId: string, item: number, level: Level, pf: Pf): void {
    this.invitations.choose(sessionId, item, level, pf);
  }

  submitFollowUp(sessionId: string, a: FollowUpAnswer): void {
    this.invitations.submitFollowUp(sessionId, a);
  }

  skipFollowUp(sessionId: string): void {
    this.invitations.skipFollowUp(sessionId);
  }

  // ── keypad intents (the keypad side maps its key codes to these) ─────────

  /** The staff key INVITE: opens an invitation when one could be opened, else nothing. */
  async keypadInvite(): Promise<void> {
    if (this.staff.current && !this.invitations.busy) await this.openSession({});
  }

  /** A rating key: the open invitation's page, or an uninvited rating where policy allows it. */
  async keypadChoose(level: Level): Promise<void> {
    const s = this.invitations.session;
    if (s?.phase === 'inviting') {
      const item = this.pageMode.surface ? await this.pageMode.keypadItem(s.row.sessionId) : s.currentItem;
      if (item !== null) this.choose(s.row.sessionId, item, level, '5');
      return;
    }
    if (!s && !this.invitations.busy && !this.config.rating.requireInvitation && this.state() === 'serving') {
      const opened = await this.open({}, true);
      this.choose(opened.sessionId, 0, level, '5');
    }
  }

  // ── configuration and lifecycle ──────────────────────────────────────────

  /** 默认评价 for sessions past the province's no-rating period; run by the runtime's scheduler. */
  generateDefaults(): number {
    // Not on an untrusted clock: one set a year ahead would default every open session early (it runs again once trusted).
    if (!this.ports.where || !this.ports.clock.trusted()) return 0;
    const n = generateDefaults({
      config: this.config,
      reads: this.ports.repo,
      book: this.book,
      now: this.ports.clock.now(),
      pf: this.ports.channel ?? '4',
      log: this.ports.log,
    });
    if (n) this.ports.sync?.notify();
    return n;
  }

  applyConfig(config: TerminalConfig): void {
    this.config = config;
    this.staff.applyRoster(config);
    this.changed();
  }

  // ── the citizen's own choices ────────────────────────────────────────────

  /** Elderly mode (长辈模式) for this citizen: larger, slower (timeouts doubled), prompts said twice. */
  setElderly(on: boolean): void {
    this.prefs.elderly = on;
    if (on) this.invitations.extendTimeouts();
    this.changed();
  }

  /** The language for this citizen: any tag the screen has a locale file for. */
  setLocale(locale: Locale): void {
    this.prefs.locale = locale;
    this.changed();
  }

  chooseMode(sessionId: string, mode: 'combined' | 'per-item'): void {
    this.invitations.chooseMode(sessionId, mode);
  }

  /** The citizen is typing in the follow-up: it stays open. */
  followUpActivity(sessionId: string): void {
    this.invitations.keepFollowUpOpen(sessionId);
  }

  // ── technician ───────────────────────────────────────────────────────────

  /** The technician PIN from the PIN pad: technician mode (state maintenance) opens, or the lockout counts on. */
  async technicianEnter(pin: string): Promise<void> {
    if (!this.ports.where) throw new CommandError('UNPROVISIONED', 'this terminal is not provisioned yet');
    try {
      await this.tech.enter(pin);
    } finally {
      this.changed();
    }
  }

  technicianTouch(): void {
    this.tech.touch();
  }

  /** Technician mode again without a PIN, right after the technician's own change restarted the terminal. */
  technicianResume(): void {
    if (this.ports.where) this.tech.resume();
  }

  technicianExit(): void {
    this.tech.exit('exit');
  }

  /** Whether technician mode is open (diagnostics actions are refused otherwise). */
  get serviced(): boolean {
    return this.tech.inside;
  }

  /** Stops timers; the database stays the caller's to close. */
  close(): void {
    this.tech.close();
    this.invitations.close();
    this.notice.close();
    this.storage.close();
  }

  /** Shows the screen again (technician actions whose results the view carries). */
  refreshView(): void {
    this.changed();
  }

  /** Publishes device or sync changes that happened outside the core. */
  publish(e: Extract<TerminalEvent, { type: 'device.status' | 'sync.status' }>): void {
    this.emit(e);
  }

  // ── internals ────────────────────────────────────────────────────────────

  private async open(req: OpenSessionRequest, uninvited: boolean): Promise<OpenedSession> {
    const staff = this.serving();
    this.storage.assertRoom();
    // The world may have moved while the link was fetched: staff logged out, paused, or changed.
    const recheck = () => {
      if (this.serving().staffId !== staff.staffId) throw new CommandError('NO_STAFF', 'the staff member changed while the invitation was opening');
    };
    return this.invitations.open(staff, req, recheck, uninvited);
  }

  private login(member: NonNullable<StaffDesk['current']>): StaffSummary {
    this.shifts.login(member);
    return summary(member);
  }

  private serving() {
    this.requireOperational();
    return this.staff.serving();
  }

  private requireOperational(): void {
    if (!this.ports.where) throw new CommandError('UNPROVISIONED', 'this terminal is not provisioned yet');
    if (this.tech.inside) throw new CommandError('MAINTENANCE', 'this terminal is in maintenance');
  }

  private emit(e: TerminalEvent): void {
    this.out.emit(e);
  }

  private changed(): void {
    this.out.changed();
  }
}
