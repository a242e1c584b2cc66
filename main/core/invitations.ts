import type { Clock } from './clock.js';
import type { StaffMember, TerminalConfig } from './config.js';
import { CommandError } from './errors.js';
import type { TerminalEvent } from './events.js';
import { minLevel, type Level } from './levels.js';
import { checkFollowUp, checkSkip, flagsFor, needsFollowUp, BURST_WINDOW_MS, type FollowUpAnswer } from './policy.js';
import type { LinkProvider, Logger, RatingRepository } from './ports.js';
import type { RatingBook } from './ratings.js';
import type { Pf } from './records.js';
import type { CancelReason, SessionItem, SessionRow } from './session.js';
import { newId } from './ids.js';
import { InvitationTimers } from './invitation-timers.js';
import { noteRatedElsewhere } from './rated-elsewhere.js';
import { openingRow, sessionLinkFor, type OpenedSession, type OpenSessionRequest } from './invitation-opening.js';

export type { OpenSessionRequest, OpenedSession } from './invitation-opening.js';

export interface OpenSession {
  row: SessionRow;
  phase: 'inviting' | 'follow-up';
  currentItem: number;
  /** Levels chosen so far, one per rated page. */
  chosen: Level[];
  evalIds: string[];
  followUpExpiresAt: number | null;
  /** Opened by a keypad press where policy allows uninvited ratings. */
  uninvited: boolean;
  /** The citizen has still to pick one rating for all items or one per item (`mode: "choose"`). */
  choosingMode: boolean;
}

export interface InvitationHooks {
  /** A domain event; the facade publishes it and refreshes the view. */
  event(e: TerminalEvent): void;
  /** The view changed without a domain event of its own. */
  changed(): void;
  /** A choice was committed: the keypad lights it. */
  confirmed(level: Level): void;
  /** Records became ready to upload. */
  queued(): void;
  /** The citizen's part is over (Thanks ended, or the invitation ended unrated or cancelled): their choices reset. */
  ended(): void;
}

export interface InvitationDeps {
  repo: RatingRepository;
  book: RatingBook;
  clock: Clock;
  links: LinkProvider;
  config: () => TerminalConfig;
  /** 2 in elderly mode (长辈模式: timeouts doubled), else 1. */
  timeoutFactor: () => number;
  log: Logger;
  hooks: InvitationHooks;
}

/** One invitation at a time, from opening through the choice and follow-up to Thanks, or to its end unrated or cancelled. */
export class Invitations {
  private current: OpenSession | null = null;
  private readonly timers: InvitationTimers;
  /** A link is being fetched for an invitation: a second one must wait. */
  private opening = false;
  /** Page mode: asked as an invitation's countdown ends; the invitation waits for its answer (the province's status). */
  private timingOut: ((sessionId: string) => Promise<void> | null) | null = null;

  constructor(private readonly d: InvitationDeps) {
    this.timers = new InvitationTimers(d);
  }

  get session(): OpenSession | null {
    return this.current;
  }

  get busy(): boolean {
    return this.current !== null || this.opening;
  }

  get thanking(): boolean {
    return this.timers.thanking;
  }

  /** A citizen has rated and is still on their pages (follow-up, or the next item): their part is not over. */
  get citizenRating(): boolean {
    return (this.current?.chosen.length ?? 0) > 0;
  }

  /** Opens an invitation for `staff`; `recheck` runs again after the link arrived, since the world may have moved. */
  async open(staff: StaffMember, req: OpenSessionRequest, recheck: () => void, uninvited = false): Promise<OpenedSession> {
    if (this.busy) throw new CommandError('SESSION_OPEN', 'a session is still open at this window; wait for it or cancel it');
    this.opening = true;
    try {
      const sessionId = newId();
      const items = req.items ?? [];
      const qrUrl = await sessionLinkFor(this.d, sessionId, staff, req, items);
      recheck();
      return this.insert(sessionId, staff, items, qrUrl, req, uninvited);
    } finally {
      this.opening = false;
    }
  }

  private insert(sessionId: string, staff: StaffMember, items: SessionItem[], qrUrl: string, req: OpenSessionRequest, uninvited: boolean): OpenedSession {
    const now = this.d.clock.now();
    const timeoutMs = this.timers.invitationMs();
    const row = openingRow({ sessionId, staff, items, qrUrl, req, now, timeoutMs, applicant: this.d.book.protectApplicant(req.applicant) });
    this.d.book.commit((w) => w.insertSession(row));
    this.timers.endThanks();
    const choosingMode = req.mode === 'choose' && items.length > 1;
    this.current = { row, phase: 'inviting', currentItem: 0, chosen: [], evalIds: [], followUpExpiresAt: null, uninvited, choosingMode };
    this.timers.arm(timeoutMs, () => this.expire());
    const expiresAt = new Date(row.expiresAt).toISOString();
    this.d.hooks.event({ type: 'session.opened', sessionId, expiresAt });
    return { sessionId, qrUrl, expiresAt };
  }

  /** The citizen picks one rating for every item or one per item (`mode: "choose"`); stored before the screen moves on. */
  chooseMode(sessionId: string, mode: 'combined' | 'per-item'): void {
    const s = this.current;
    if (!s || s.phase !== 'inviting' || s.row.sessionId !== sessionId || !s.choosingMode) {
      throw new CommandError('STALE_SESSION', 'that choice was made on a page that is no longer shown');
    }
    this.d.book.commit((w) => w.setSessionMode(sessionId, mode));
    s.row.mode = mode;
    s.choosingMode = false;
    this.d.hooks.changed();
  }

  /** The citizen's choice on the touch screen (pf 4) or keypad (pf 5). Acknowledged only after commit. */
  choose(sessionId: string, item: number, level: Level, pf: Pf): void {
    const s = this.current;
    if (!s || s.phase !== 'inviting') throw new CommandError('NOT_INVITING', 'no rating invitation is open');
    if (s.row.sessionId !== sessionId || s.currentItem !== item) {
      throw new CommandError('STALE_SESSION', 'that choice was made on a page that is no longer shown');
    }
    // A keypad cannot show the two ways to rate: a level pressed before choosing rates every item at once.
    if (s.choosingMode) s.choosingMode = false;
    const now = this.d.clock.now();
    const perItem = s.row.mode === 'per-item';
    const last = s.currentItem + 1 >= (perItem ? s.row.items.length : 1);
    const held = !last || needsFollowUp(this.d.config().rating, [...s.chosen, level]);
    const flags = flagsFor({
      uninvited: s.uninvited,
      sinceOpenedMs: now - s.row.openedAt,
      ratedInWindow: this.d.repo.ratedSince(s.row.staffId, now - BURST_WINDOW_MS),
    });
    const items = perItem ? [s.row.items[s.currentItem] ?? null] : s.row.items.length ? s.row.items : [null];
    const ids = this.d.book.recordChoice({ row: s.row, level, pf, now, items, flags, held, earlier: s.evalIds, last });
    // Committed: only now does anyone hear of it.
    s.chosen.push(level);
    s.evalIds.push(...ids);
    this.d.hooks.confirmed(level);
    if (s.chosen.length === 1)
      this.d.hooks.event({ type: 'session.rated', sessionId: s.row.sessionId, satisfaction: minLevel(s.chosen), ratedAt: new Date(now).toISOString() });
    if (!last) {
      s.currentItem += 1;
      this.d.hooks.changed();
      return;
    }
    if (held) this.startFollowUp(s);
    else this.done(true);
  }

  submitFollowUp(sessionId: string, a: FollowUpAnswer): void {
    const s = this.requireFollowUp(sessionId);
    const config = this.d.config();
    checkFollowUp(config, s.chosen, a);
    this.d.book.completeFollowUp(s.row, s.evalIds, config, a);
    this.done(true);
  }

  skipFollowUp(sessionId: string): void {
    const s = this.requireFollowUp(sessionId);
    checkSkip(this.d.config(), s.chosen);
    this.d.book.releaseAndClose(s.row.sessionId, s.evalIds);
    this.done(true);
  }

  /** The business system's cancel: idempotent for a cancelled session; a rating cannot be withdrawn. */
  cancel(sessionId: string): void {
    const row = this.d.repo.session(sessionId);
    if (!row) throw new CommandError('SESSION_NOT_FOUND', `no session ${sessionId} on this terminal`);
    if (row.status === 'cancelled') return;
    if (row.status === 'rated') throw new CommandError('ALREADY_RATED', `session ${sessionId} was already rated; a rating cannot be withdrawn`);
    if (row.status === 'unrated') throw new CommandError('SESSION_CLOSED', `session ${sessionId} already ended unrated`);
    this.closeOpen('byBusinessSystem');
  }

  /**
   * Ends the open invitation: unrated (timed out) or cancelled with who cancelled it, if nothing was chosen; a partly
   * rated one keeps its ratings. The session row always stays: nobody can make an invitation disappear.
   */
  closeOpen(reason: 'timedOut' | CancelReason): void {
    const status = reason === 'timedOut' ? 'unrated' : 'cancelled';
    const s = this.current;
    if (!s) return;
    if (s.chosen.length > 0) {
      this.finishQuietly(s, false);
      this.d.hooks.changed();
      return;
    }
    const now = this.d.clock.now();
    this.d.book.commit((w) => w.closeSession(s.row.sessionId, status, now, reason));
    this.timers.clear();
    this.current = null;
    this.d.hooks.event({ type: status === 'unrated' ? 'session.unrated' : 'session.cancelled', sessionId: s.row.sessionId });
    this.d.hooks.ended();
  }

  /** Page mode: the province holds a rating for this session (rated-elsewhere.ts); an open invitation ends rated with Thanks. */
  endRatedElsewhere(sessionId: string, r: { satisfaction: Level; evalId: string | null }): 'ended' | 'late' | 'ignored' {
    const s = this.current;
    const outcome = noteRatedElsewhere(this.d, s !== null && s.row.sessionId === sessionId ? s : null, sessionId, r);
    if (outcome === 'ended') this.done(true);
    return outcome;
  }

  /** Page mode: the invitation timed out and the province never said whether its page was rated. */
  statusUnknown(sessionId: string): void {
    this.d.book.commit((w) => w.markStatusUnknown(sessionId));
  }

  /** Page mode: the province is asked once more as the countdown ends, before the invitation ends unrated. */
  holdTimeoutWith(ask: (sessionId: string) => Promise<void> | null): void {
    this.timingOut = ask;
  }

  /** The countdown ended: unrated, unless what was asked first (page mode) ended it otherwise. */
  private expire(): void {
    const s = this.current;
    const hold = s && this.timingOut?.(s.row.sessionId);
    if (!hold) return this.closeOpen('timedOut');
    const end = () => {
      try {
        if (this.current === s && s.phase === 'inviting' && s.chosen.length === 0) this.closeOpen('timedOut');
      } catch (err) {
        this.d.log.error({ err }, 'an invitation could not be ended; it ends unrated at the next start');
      }
    };
    hold.then(end, end);
  }

  /** Elderly mode switched on mid-invitation: the open page gets its doubled time from now on. */
  extendTimeouts(): void {
    const s = this.current;
    if (!s) return;
    if (s.phase === 'inviting') {
      const expiresAt = s.row.openedAt + this.timers.invitationMs();
      if (expiresAt <= s.row.expiresAt) return;
      s.row.expiresAt = expiresAt;
      this.timers.arm(expiresAt - this.d.clock.now(), () => this.expire());
    } else this.keepFollowUpOpen(s.row.sessionId);
    this.d.hooks.changed();
  }

  /** The follow-up's timeout starts (again): when it opens, and while the citizen types (a comment takes time on glass). */
  keepFollowUpOpen(sessionId: string): void {
    const s = this.current;
    if (!s || s.phase !== 'follow-up' || s.row.sessionId !== sessionId) return;
    const ms = this.timers.followUpMs();
    s.followUpExpiresAt = this.d.clock.now() + ms;
    this.timers.arm(ms, () => {
      if (this.current === s) this.finishQuietly(s, true);
    });
  }

  /** A rating belongs to the staff member who invited it: a change of staff ends an open invitation. */
  endForStaffChange(reason: 'byPause' | 'byLogout' | 'byStaffChange'): void {
    const s = this.current;
    if (!s) return;
    if (s.phase === 'inviting' && s.chosen.length === 0) this.closeOpen(reason);
    else this.finishQuietly(s, false);
  }

  endThanks(): void {
    this.timers.endThanks();
  }

  close(): void {
    this.timers.close();
  }

  private startFollowUp(s: OpenSession): void {
    s.phase = 'follow-up';
    this.keepFollowUpOpen(s.row.sessionId);
    this.d.hooks.changed();
  }

  /** Ends a rated session keeping whatever was entered; shows Thanks when the citizen is still there. */
  private finishQuietly(s: OpenSession, thanks: boolean): void {
    try {
      this.d.book.releaseAndClose(s.row.sessionId, s.evalIds);
    } catch (err) {
      this.d.log.error({ err }, 'could not release held records; they are released at the next start');
    }
    if (thanks) this.done(true);
    else {
      this.timers.clear();
      this.current = null;
      this.d.hooks.queued();
      this.d.hooks.ended();
    }
  }

  /** The session is stored and closed: Thanks for THANKS_MS. */
  private done(thanks: boolean): void {
    this.timers.clear();
    this.current = null;
    if (thanks) {
      this.timers.thank(() => {
        this.d.hooks.ended();
        this.d.hooks.changed();
      });
      this.d.hooks.changed();
    }
    this.d.hooks.queued();
  }

  private requireFollowUp(sessionId: string): OpenSession {
    const s = this.current;
    if (!s || s.phase !== 'follow-up' || s.row.sessionId !== sessionId) {
      throw new CommandError('STALE_SESSION', 'that follow-up is no longer open');
    }
    return s;
  }
}
