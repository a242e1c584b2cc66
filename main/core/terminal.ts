import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { TerminalState, TerminalView } from '../bridge/contract.js';
import { MetaStore } from '../store/meta.js';
import { SessionStore, type SessionItem, type SessionRow, type StoredApplicant } from '../store/sessions.js';
import { formatCst, startOfCstDay, type Clock } from './clock.js';
import type { StaffMember, Tag, TerminalConfig } from './config.js';
import { CommandError } from './errors.js';
import { Emitter, type StaffSummary, type SyncStatus, type TerminalEvent } from './events.js';
import { isBad, levelForKey, type Level } from './levels.js';
import { buildRecord, evalDetail, type Flag, type Pf, type RecordInput, type Where } from './records.js';
import { staffStateSchema } from './staff-state.js';

export const THANKS_MS = 3000;
export const NOTICE_MS = 3000;
/** A rating sooner than this after the invitation appeared is flagged `fast`. */
export const FAST_MS = 1000;
/** This many ratings for one staff member within the window (this one included) are flagged `burst`. */
export const BURST_COUNT = 4;
export const BURST_WINDOW_MS = 120_000;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Protects evaluator identity: names sealed with the terminal's key, ID number and phone under the province's SM2 key. */
export interface IdentityProtector {
  sealName(name: string): string;
  /** Whether a province key is provisioned (the phone field is offered only then). */
  readonly canEncryptForProvince: boolean;
  /** `"sm2:…"` ciphertext, or null when no province key is provisioned (the value is then dropped). */
  encryptForProvince(plain: string): string | null;
}

export interface LinkProvider {
  /** The URL a citizen's phone opens to rate this session (the province's dynamic link, or the offline one). */
  sessionLink(req: { sessionId: string; staffId: string; projectNo?: string | undefined; taskCode?: string | undefined }): Promise<string>;
}

export interface SyncPort {
  status(): Pick<SyncStatus, 'lastUploadAt' | 'lastError' | 'online'>;
  /** Called after a commit that queued records, so the uploader can wake at once. */
  notify(): void;
}

export interface DevicesPort {
  status(): Record<string, unknown>;
  /** The keypad, if one is configured: what kind, and whether it answers. */
  keypadSummary(): { kind: string; connected: boolean } | null;
}

export interface KeypadPort {
  /** The terminal's state changed: the keypad sets keys, LEDs and text for it. */
  showState(view: TerminalView): void;
  /** The citizen's choice was stored: light that key, thank them. */
  confirmChoice(level: Level): void;
}

export interface TerminalPorts {
  db: Database;
  clock: Clock;
  identity: IdentityProtector;
  links: LinkProvider;
  where: Where | null;
  config: TerminalConfig;
  staffPinHashes?: Readonly<Record<string, string>>;
  verifyPin?: (pin: string, hash: string) => boolean;
  sync?: SyncPort;
  devices?: DevicesPort;
  keypad?: KeypadPort;
  log: Logger;
}

export interface OpenSessionRequest {
  projectNo?: string | undefined;
  items?: SessionItem[] | undefined;
  mode?: 'combined' | 'per-item' | undefined;
  applicant?: { name?: string | undefined; userProp?: 1 | 2 | undefined; certKey?: string | undefined; mobile?: string | undefined } | undefined;
}

export interface FollowUpAnswer {
  tags: string[];
  answers: Record<string, 'y' | 'n' | 'u'>;
  comment: string;
  phone?: string | undefined;
  dimensions?: { serviceEfficiency: number; serviceLevel: number; serviceAttitude: number } | undefined;
}

interface OpenSession {
  row: SessionRow;
  phase: 'inviting' | 'follow-up';
  currentItem: number;
  /** Levels chosen so far, one per rated page. */
  chosen: Level[];
  evalIds: string[];
  timer: NodeJS.Timeout;
  followUpExpiresAt: number | null;
}

export interface SessionAnswer {
  sessionId: string;
  status: 'inviting' | 'rated' | 'unrated' | 'cancelled';
  satisfaction?: number;
  evalDetail?: string;
  ratedAt?: string;
}

export interface TerminalStatus {
  state: TerminalState;
  staff: StaffSummary | null;
  session: (SessionAnswer & { expiresAt: string }) | null;
  devices: Record<string, unknown>;
  sync: SyncStatus;
}

const META_STAFF = 'staff.current';

/**
 * The terminal: who is serving, which invitation is open, and turning a citizen's choice into a stored
 * rating. Plain Node; every outside thing arrives as a port. State is derived, never stored twice.
 */
export class Terminal {
  private readonly sessions: SessionStore;
  private readonly meta: MetaStore;
  private readonly outbox: Outbox;
  private readonly events = new Emitter<TerminalEvent>();
  private readonly changes = new Emitter<TerminalView>();
  private config: TerminalConfig;
  private staff: StaffMember | null = null;
  private paused = false;
  private maintenance = false;
  private session: OpenSession | null = null;
  private thanksTimer: NodeJS.Timeout | null = null;
  private notice: { kind: 'unknown-badge'; until: number; timer: NodeJS.Timeout } | null = null;
  private lastState: TerminalState | null = null;
  /** Sessions opened implicitly by a keypad press where policy allows uninvited ratings. */
  private readonly uninvited = new Set<string>();
  private lastKey: { key: number; at: number } | null = null;
  /** An invitation is being opened (its link is being fetched): a second one must wait. */
  private opening = false;
  private readonly defaultsTimer: NodeJS.Timeout;

  constructor(private readonly ports: TerminalPorts) {
    this.sessions = new SessionStore(ports.db);
    this.meta = new MetaStore(ports.db);
    this.outbox = new Outbox(ports.db, () => ports.clock.now());
    this.config = ports.config;
    this.recover();
    this.defaultsTimer = setInterval(() => this.runDefaults(), 3_600_000);
    this.defaultsTimer.unref();
    this.runDefaults();
  }

  private runDefaults(): void {
    try {
      this.generateDefaults();
    } catch (err) {
      this.ports.log.error({ err: String(err) }, 'default ratings could not be generated; trying again in an hour');
    }
  }

  // ── queries ──────────────────────────────────────────────────────────────

  state(): TerminalState {
    if (!this.ports.where) return 'unprovisioned';
    if (this.maintenance) return 'maintenance';
    if (!this.staff) return 'closed';
    if (this.session) return this.session.phase;
    if (this.paused) return 'paused';
    if (this.thanksTimer) return 'thanks';
    return 'serving';
  }

  currentStaff(): StaffSummary | null {
    return this.staff && summary(this.staff);
  }

  openSessionId(): string | null {
    return this.session?.row.sessionId ?? null;
  }

  getSession(sessionId: string): SessionAnswer {
    const row = this.sessions.get(sessionId);
    if (!row) throw new CommandError('SESSION_NOT_FOUND', `no session ${sessionId} on this terminal`);
    return answerOf(row);
  }

  syncStatus(): SyncStatus {
    const counts = this.outbox.counts();
    const port = this.ports.sync?.status() ?? { lastUploadAt: null, lastError: null, online: false };
    return { pending: counts.pending + counts.held, deadLetter: counts.deadLetter, ...port };
  }

  devices(): Record<string, unknown> {
    return this.ports.devices?.status() ?? {};
  }

  status(): TerminalStatus {
    const s = this.session;
    return {
      state: this.state(),
      staff: this.currentStaff(),
      session: s ? { ...answerOf(this.sessions.get(s.row.sessionId) ?? s.row), expiresAt: new Date(s.row.expiresAt).toISOString() } : null,
      devices: this.devices(),
      sync: this.syncStatus(),
    };
  }

  view(): TerminalView {
    const now = this.ports.clock.now();
    const s = this.session;
    const staff = this.staff;
    const rating = this.config.rating;
    const t = this.config.terminal;
    let stats: TerminalView['stats'] = null;
    if (staff) {
      const f = this.sessions.staffFigures(staff.staffId, startOfCstDay(now));
      stats = { todayCount: f.count, satisfiedRate: f.count ? f.satisfied / f.count : null };
    }
    const sync = this.syncStatus();
    return {
      state: this.state(),
      serverNow: now,
      locale: 'zh-CN',
      hall: { hallName: t.hallName ?? '', windowName: t.windowName ?? (this.ports.where ? `${this.ports.where.windowCode}` : '') },
      staff: staff && { staffId: staff.staffId, name: staff.name, title: staff.title, photo: staff.photo },
      staticQrUrl: t.staticQrUrl ?? null,
      session: s && {
        sessionId: s.row.sessionId,
        qrUrl: s.row.qrUrl,
        openedAt: s.row.openedAt,
        expiresAt: s.row.expiresAt,
        mode: s.row.mode,
        items: s.row.items.map((i) => ({ taskName: i.taskName, deptName: i.deptName })),
        currentItem: s.currentItem,
        chosen: s.chosen.length ? minLevel(s.chosen) : null,
        followUp: s.phase === 'follow-up' && s.followUpExpiresAt !== null ? this.followUpView(s, s.followUpExpiresAt) : null,
      },
      scale: rating.scale,
      stats,
      sync: { online: sync.online, pending: sync.pending },
      notice: this.notice && this.notice.until > now ? { kind: this.notice.kind, until: this.notice.until } : null,
      keypad: this.keypadView(),
    };
  }

  onEvent(listener: (e: TerminalEvent) => void): () => void {
    return this.events.on(listener);
  }

  onView(listener: (v: TerminalView) => void): () => void {
    return this.changes.on(listener);
  }

  // ── staff ────────────────────────────────────────────────────────────────

  loginByBadge(badgeId: string): StaffSummary {
    this.requireOperational();
    const id = badgeId.toUpperCase();
    const member = this.config.staff.find((m) => m.badgeIds.some((b) => b.toUpperCase() === id));
    if (!member) {
      this.showNotice();
      throw new CommandError('UNKNOWN_BADGE', `badge ${id} is not registered to any staff member of this window`);
    }
    return this.login(member);
  }

  loginByPin(staffId: string, pin: string): StaffSummary {
    this.requireOperational();
    const member = this.config.staff.find((m) => m.staffId === staffId);
    if (!member) throw new CommandError('UNKNOWN_STAFF', `staff id ${staffId} is not in this terminal's roster`);
    const hash = this.ports.staffPinHashes?.[staffId];
    if (!hash) throw new CommandError('BAD_PIN', `staff member ${staffId} has no PIN provisioned; log in with the badge`);
    if (!this.ports.verifyPin?.(pin, hash)) throw new CommandError('BAD_PIN', 'the PIN is wrong');
    return this.login(member);
  }

  logout(): void {
    const staff = this.staff;
    if (!staff) return;
    this.endSessionForStaffChange();
    this.staff = null;
    this.paused = false;
    this.clearThanks();
    this.persistStaff();
    this.emit({ type: 'staff.logout', staff: summary(staff) });
  }

  pause(): void {
    const staff = this.requireStaff();
    if (this.paused) return;
    this.endSessionForStaffChange();
    this.clearThanks();
    this.paused = true;
    this.persistStaff();
    this.emit({ type: 'staff.pause', staff: summary(staff) });
  }

  resume(): void {
    const staff = this.requireStaff();
    if (!this.paused) return;
    this.paused = false;
    this.persistStaff();
    this.emit({ type: 'staff.resume', staff: summary(staff) });
  }

  // ── invitations ──────────────────────────────────────────────────────────

  async openSession(req: OpenSessionRequest): Promise<{ sessionId: string; qrUrl: string; expiresAt: string }> {
    this.checkCanOpen(false);
    const staff = this.staff as StaffMember;
    this.opening = true;
    try {
      const sessionId = randomUUID();
      const items = req.items ?? [];
      let qrUrl = '';
      try {
        qrUrl = await this.ports.links.sessionLink({ sessionId, staffId: staff.staffId, projectNo: req.projectNo, taskCode: items[0]?.taskCode });
      } catch (err) {
        this.ports.log.warn({ err: String(err) }, 'no evaluation link for the QR code');
      }
      // The world may have moved while the link was fetched: staff logged out, paused, or changed.
      this.checkCanOpen(true);
      if (this.staff?.staffId !== staff.staffId) throw new CommandError('NO_STAFF', 'the staff member changed while the invitation was opening');
      return this.insertSession(sessionId, staff, items, qrUrl, req);
    } finally {
      this.opening = false;
    }
  }

  private checkCanOpen(opening: boolean): void {
    this.requireOperational();
    if (!this.staff) throw new CommandError('NO_STAFF', 'no staff member is logged in at this window; log in first');
    if (this.paused) throw new CommandError('PAUSED', 'service at this window is paused; resume it first');
    if (this.session || (this.opening && !opening)) {
      throw new CommandError('SESSION_OPEN', `a session is still open at this window; wait for it or cancel it`);
    }
  }

  private insertSession(sessionId: string, staff: StaffMember, items: SessionItem[], qrUrl: string, req: OpenSessionRequest): { sessionId: string; qrUrl: string; expiresAt: string } {
    this.clearThanks();
    const now = this.ports.clock.now();
    const row: Omit<SessionRow, 'status' | 'satisfaction' | 'evalDetail' | 'pf' | 'ratedAt' | 'closedAt'> = {
      sessionId,
      staffId: staff.staffId,
      staffName: staff.name,
      openedAt: now,
      expiresAt: now + this.config.rating.timeoutSeconds * 1000,
      mode: req.mode === 'per-item' && items.length > 1 ? 'per-item' : 'combined',
      projectNo: req.projectNo ?? null,
      items,
      applicant: this.protectApplicant(req.applicant),
      qrUrl,
    };
    this.sessions.insert(row);
    this.session = {
      row: { ...row, status: 'inviting', satisfaction: null, evalDetail: null, pf: null, ratedAt: null, closedAt: null },
      phase: 'inviting',
      currentItem: 0,
      chosen: [],
      evalIds: [],
      timer: setTimeout(() => this.expireInvitation(sessionId), row.expiresAt - now),
      followUpExpiresAt: null,
    };
    const expiresAt = new Date(row.expiresAt).toISOString();
    this.emit({ type: 'session.opened', sessionId, expiresAt });
    return { sessionId, qrUrl, expiresAt };
  }

  cancelSession(sessionId: string): void {
    const row = this.sessions.get(sessionId);
    if (!row) throw new CommandError('SESSION_NOT_FOUND', `no session ${sessionId} on this terminal`);
    if (row.status === 'cancelled') return;
    if (row.status === 'rated') throw new CommandError('ALREADY_RATED', `session ${sessionId} was already rated; a rating cannot be withdrawn`);
    if (row.status === 'unrated') throw new CommandError('SESSION_CLOSED', `session ${sessionId} already ended unrated`);
    this.closeOpen('cancelled');
  }

  /** The citizen's choice on the touch screen (pf 4) or keypad (pf 5). Acknowledged only after commit. */
  choose(sessionId: string, item: number, level: Level, pf: Pf): void {
    const s = this.session;
    if (!s || s.phase !== 'inviting') throw new CommandError('NOT_INVITING', 'no rating invitation is open');
    if (s.row.sessionId !== sessionId || s.currentItem !== item) {
      throw new CommandError('STALE_SESSION', 'that choice was made on a page that is no longer shown');
    }
    const now = this.ports.clock.now();
    const pages = s.row.mode === 'per-item' ? s.row.items.length : 1;
    const last = s.currentItem + 1 >= pages;
    const itemsForChoice: (SessionItem | null)[] =
      s.row.mode === 'per-item' ? [s.row.items[s.currentItem] ?? null] : s.row.items.length ? s.row.items : [null];
    const held = !last || this.needsFollowUp([...s.chosen, level]);
    const flags = this.flagsFor(s.row, now);
    const evalIds = this.commit(() => {
      const ids = itemsForChoice.map((it) => {
        const evalId = randomUUID();
        this.outbox.append(buildRecord(this.recordInput(s.row, { level, pf, now, item: it, flags, evaluateType: 1 }), evalId), { held });
        return evalId;
      });
      this.sessions.markRated(s.row.sessionId, level, pf, now);
      if (!held) {
        this.outbox.release([...s.evalIds, ...ids]);
        // Finishing right here: close the session in the same commit (one fsync before Thanks, not two).
        if (last) this.sessions.close(s.row.sessionId, null, now);
      }
      return ids;
    });
    // Committed: only now does anyone hear of it.
    s.chosen.push(level);
    s.evalIds.push(...evalIds);
    this.ports.keypad?.confirmChoice(level);
    const first = s.chosen.length === 1;
    if (first) this.emitRaw({ type: 'session.rated', sessionId: s.row.sessionId, satisfaction: minLevel(s.chosen), ratedAt: new Date(now).toISOString() });
    if (!last) {
      s.currentItem += 1;
      this.changed();
      return;
    }
    clearTimeout(s.timer);
    if (held) this.startFollowUp(s);
    else this.finish(s, true);
  }

  submitFollowUp(sessionId: string, a: FollowUpAnswer): void {
    const s = this.requireFollowUp(sessionId);
    const level = minLevel(s.chosen);
    const wantsReasons = this.wantsReasons(s);
    const catalog = wantsReasons ? this.tagsFor(level) : [];
    const unknownTag = a.tags.find((t) => !catalog.some((c) => c.code === t));
    if (unknownTag !== undefined) throw new CommandError('UNKNOWN_TAG', `tag ${unknownTag} is not offered for this level`);
    const unknownQ = Object.keys(a.answers).find((q) => !this.config.questions.some((c) => c.id === q));
    if (unknownQ !== undefined) throw new CommandError('UNKNOWN_QUESTION', `question ${unknownQ} is not in the questionnaire`);
    const comment = a.comment.trim();
    if (this.config.rating.requireReasonForBad && isBad(level) && a.tags.length === 0 && comment === '') {
      throw new CommandError('REASON_REQUIRED', 'choose at least one reason or write a comment');
    }
    const detail = evalDetail(a.tags, a.answers);
    const mobile = a.phone ? this.ports.identity.encryptForProvince(a.phone) : null;
    this.commit(() => {
      for (const evalId of s.evalIds) {
        this.outbox.amendHeld(evalId, {
          ...(detail ? { evalDetail: detail } : {}),
          ...(a.tags.length ? { evalDetailVersion: this.config.tags.version } : {}),
          ...(comment ? { writingEvaluation: comment } : {}),
          ...(mobile ? { mobile } : {}),
          ...(a.dimensions && this.config.rating.dimensions ? { dimensions: a.dimensions } : {}),
        });
      }
      if (detail) this.sessions.setEvalDetail(s.row.sessionId, detail);
      this.outbox.release(s.evalIds);
    });
    this.finish(s);
  }

  skipFollowUp(sessionId: string): void {
    const s = this.requireFollowUp(sessionId);
    if (this.config.rating.requireReasonForBad && isBad(minLevel(s.chosen))) {
      throw new CommandError('REASON_REQUIRED', 'a reason is required for this rating; choose one or write a comment');
    }
    this.commit(() => this.outbox.release(s.evalIds));
    this.finish(s);
  }

  /** A keypad key, already de-duplicated by the driver. */
  async keypadKey(key: number): Promise<void> {
    this.lastKey = { key, at: this.ports.clock.now() };
    if (key === 0x10) {
      if (this.staff && !this.session && !this.opening) await this.openSession({});
      return;
    }
    if (key === 0x11) {
      if (!this.staff) return;
      if (this.paused) this.resume();
      else this.pause();
      return;
    }
    const level = levelForKey(key);
    if (!level) return;
    const s = this.session;
    if (s?.phase === 'inviting') {
      this.choose(s.row.sessionId, s.currentItem, level, '5');
      return;
    }
    if (!s && !this.opening && this.staff && !this.paused && !this.config.rating.requireInvitation && this.state() === 'serving') {
      const opened = await this.openSession({});
      this.uninvited.add(opened.sessionId);
      this.choose(opened.sessionId, 0, level, '5');
    }
  }

  /**
   * 默认评价: where the province asks for it (`rating.defaultAfterDays`), an invitation left unrated for that many
   * days is reported as satisfaction 3, evaluateType 3. Idempotent; run at start and hourly.
   */
  generateDefaults(): number {
    const days = this.config.rating.defaultAfterDays;
    if (days === null || !this.ports.where) return 0;
    const now = this.ports.clock.now();
    const due = this.sessions.dueForDefault(now - days * 86_400_000);
    for (const row of due) {
      const items: (SessionItem | null)[] = row.items.length ? row.items : [null];
      this.commit(() => {
        for (const item of items) {
          this.outbox.append(buildRecord(this.recordInput(row, { level: 3, pf: '4', now, item, flags: [], evaluateType: 3 }), randomUUID()), { held: false });
        }
        this.sessions.markDefaulted(row.sessionId, now);
      });
    }
    if (due.length) {
      this.ports.log.info({ sessions: due.length }, 'default ratings generated for unrated sessions');
      this.ports.sync?.notify();
    }
    return due.length;
  }

  applyConfig(config: TerminalConfig): void {
    this.config = config;
    this.runDefaults();
    if (this.staff) this.staff = config.staff.find((m) => m.staffId === this.staff?.staffId) ?? this.staff;
    this.changed();
  }

  setMaintenance(on: boolean): void {
    if (on) this.closeOpen('cancelled');
    this.maintenance = on;
    this.changed();
  }

  /** Stops timers; the database stays the caller's to close. */
  close(): void {
    clearInterval(this.defaultsTimer);
    if (this.session) clearTimeout(this.session.timer);
    this.clearThanks();
    if (this.notice) clearTimeout(this.notice.timer);
  }

  /** Publishes device or sync changes that happened outside the core. */
  publish(e: Extract<TerminalEvent, { type: 'device.status' | 'sync.status' }>): void {
    this.emit(e);
  }

  // ── internals ────────────────────────────────────────────────────────────

  private followUpView(s: OpenSession, expiresAt: number): NonNullable<NonNullable<TerminalView['session']>['followUp']> {
    const level = minLevel(s.chosen);
    const reasons = this.wantsReasons(s);
    return {
      expiresAt,
      tags: reasons ? this.tagsFor(level) : [],
      questions: reasons ? this.config.questions : [],
      dimensions: this.config.rating.dimensions,
      reasonRequired: this.config.rating.requireReasonForBad && isBad(level),
      phoneAllowed: reasons && isBad(level) && this.ports.identity.canEncryptForProvince,
    };
  }

  /** What a record of this session says, whatever made it (a choice, or the default after the no-rating period). */
  private recordInput(row: SessionRow, r: { level: Level; pf: Pf; now: number; item: SessionItem | null; flags: Flag[]; evaluateType: 1 | 3 }): RecordInput {
    const a = row.applicant;
    return {
      where: this.requireWhere(),
      sessionId: row.sessionId,
      staff: { staffId: row.staffId, name: row.staffName },
      level: r.level,
      pf: r.pf,
      at: formatCst(r.now),
      clockTrusted: this.ports.clock.trusted(),
      projectNo: row.projectNo,
      item: r.item,
      applicant: a && { userName: a.nameSealed, userProp: a.userProp, certKey: a.certKey, mobile: a.mobile },
      flags: r.flags,
      evaluateType: r.evaluateType,
    };
  }

  private tagsFor(level: Level): Tag[] {
    return this.config.tags.byLevel[String(level) as '1' | '2' | '3' | '4' | '5'] ?? [];
  }

  private keypadView(): TerminalView['keypad'] {
    const k = this.ports.devices?.keypadSummary() ?? null;
    return k && { ...k, lastKey: this.lastKey?.key ?? null, lastKeyAt: this.lastKey?.at ?? null };
  }

  private recover(): void {
    const now = this.ports.clock.now();
    const abandoned = this.sessions.closeAbandoned(now);
    const released = this.commit(() => this.outbox.releaseAllHeld());
    if (abandoned || released) this.ports.log.info({ abandoned, released }, 'recovered after restart');
    const saved = this.meta.get(META_STAFF, staffStateSchema);
    if (saved) {
      this.staff = this.config.staff.find((m) => m.staffId === saved.staffId) ?? null;
      this.paused = this.staff ? saved.paused : false;
    }
  }

  private login(member: StaffMember): StaffSummary {
    if (this.staff?.staffId !== member.staffId) this.endSessionForStaffChange();
    this.staff = member;
    this.paused = false;
    this.persistStaff();
    this.emit({ type: 'staff.login', staff: summary(member) });
    return summary(member);
  }

  /** A rating belongs to the staff member who invited it: a change of staff ends an open invitation. */
  private endSessionForStaffChange(): void {
    const s = this.session;
    if (!s) return;
    if (s.phase === 'inviting' && s.chosen.length === 0) this.closeOpen('cancelled');
    else this.finishQuietly(s);
  }

  private closeOpen(status: 'unrated' | 'cancelled'): void {
    const s = this.session;
    if (!s) return;
    if (s.chosen.length > 0) {
      // A per-item session with some pages rated: what was chosen stays a rating.
      this.finishQuietly(s);
      this.changed();
      return;
    }
    clearTimeout(s.timer);
    this.sessions.close(s.row.sessionId, status, this.ports.clock.now());
    this.session = null;
    this.emit({ type: status === 'unrated' ? 'session.unrated' : 'session.cancelled', sessionId: s.row.sessionId });
  }

  private expireInvitation(sessionId: string): void {
    if (this.session?.row.sessionId !== sessionId) return;
    this.closeOpen('unrated');
  }

  private startFollowUp(s: OpenSession): void {
    s.phase = 'follow-up';
    const ms = this.config.rating.followUpTimeoutSeconds * 1000;
    s.followUpExpiresAt = this.ports.clock.now() + ms;
    s.timer = setTimeout(() => {
      if (this.session === s) this.finishQuietly(s, true);
    }, ms);
    this.changed();
  }

  /** Ends a rated session keeping whatever was entered; shows Thanks when the citizen is still there. */
  private finishQuietly(s: OpenSession, thanks = false): void {
    clearTimeout(s.timer);
    try {
      this.commit(() => this.outbox.release(s.evalIds));
    } catch (err) {
      this.ports.log.error({ err: String(err) }, 'could not release held records; they are released at the next start');
    }
    this.sessions.close(s.row.sessionId, null, this.ports.clock.now());
    this.session = null;
    if (thanks) this.startThanks();
    this.ports.sync?.notify();
  }

  private finish(s: OpenSession, closed = false): void {
    clearTimeout(s.timer);
    if (!closed) this.sessions.close(s.row.sessionId, null, this.ports.clock.now());
    this.session = null;
    this.uninvited.delete(s.row.sessionId);
    this.startThanks();
    this.ports.sync?.notify();
  }

  private startThanks(): void {
    this.clearThanks();
    this.thanksTimer = setTimeout(() => {
      this.thanksTimer = null;
      this.changed();
    }, THANKS_MS);
    this.changed();
  }

  private clearThanks(): void {
    if (this.thanksTimer) clearTimeout(this.thanksTimer);
    this.thanksTimer = null;
  }

  private showNotice(): void {
    if (this.notice) clearTimeout(this.notice.timer);
    const until = this.ports.clock.now() + NOTICE_MS;
    this.notice = {
      kind: 'unknown-badge',
      until,
      timer: setTimeout(() => {
        this.notice = null;
        this.changed();
      }, NOTICE_MS),
    };
    this.changed();
  }

  private needsFollowUp(levels: readonly Level[]): boolean {
    const r = this.config.rating;
    if (r.dimensions) return true;
    if (r.followUp === 'all') return true;
    return r.followUp === 'bad' && isBad(minLevel(levels));
  }

  private wantsReasons(s: OpenSession): boolean {
    const f = this.config.rating.followUp;
    return f === 'all' || (f === 'bad' && isBad(minLevel(s.chosen)));
  }

  private flagsFor(row: SessionRow, now: number): Flag[] {
    const flags: Flag[] = [];
    if (this.uninvited.has(row.sessionId)) flags.push('uninvited');
    else if (now - row.openedAt < FAST_MS) flags.push('fast');
    if (this.sessions.recentRatedCount(row.staffId, now - BURST_WINDOW_MS) + 1 >= BURST_COUNT) flags.push('burst');
    return flags;
  }

  private protectApplicant(a: OpenSessionRequest['applicant']): StoredApplicant | null {
    if (!a) return null;
    const id = this.ports.identity;
    const out: StoredApplicant = {};
    if (a.name) out.nameSealed = id.sealName(a.name);
    if (a.userProp) out.userProp = a.userProp;
    const certKey = a.certKey ? id.encryptForProvince(a.certKey) : null;
    if (certKey) out.certKey = certKey;
    const mobile = a.mobile ? id.encryptForProvince(a.mobile) : null;
    if (mobile) out.mobile = mobile;
    return out;
  }

  private commit<T>(work: () => T): T {
    try {
      return this.ports.db.transaction(work).immediate();
    } catch (err) {
      if (err instanceof CommandError) throw err;
      this.ports.log.error({ err: String(err) }, 'storage write failed');
      throw new CommandError('STORAGE_FAILED', 'the rating could not be stored; nothing was recorded, please try again');
    }
  }

  private requireFollowUp(sessionId: string): OpenSession {
    const s = this.session;
    if (!s || s.phase !== 'follow-up' || s.row.sessionId !== sessionId) {
      throw new CommandError('STALE_SESSION', 'that follow-up is no longer open');
    }
    return s;
  }

  private requireStaff(): StaffMember {
    this.requireOperational();
    if (!this.staff) throw new CommandError('NO_STAFF', 'no staff member is logged in at this window');
    return this.staff;
  }

  private requireOperational(): void {
    if (!this.ports.where) throw new CommandError('UNPROVISIONED', 'this terminal is not provisioned yet');
    if (this.maintenance) throw new CommandError('MAINTENANCE', 'this terminal is in maintenance');
  }

  private requireWhere(): Where {
    if (!this.ports.where) throw new CommandError('UNPROVISIONED', 'this terminal is not provisioned yet');
    return this.ports.where;
  }

  private persistStaff(): void {
    if (this.staff) this.meta.set(META_STAFF, { staffId: this.staff.staffId, paused: this.paused });
    else this.meta.delete(META_STAFF);
  }

  private emit(e: TerminalEvent): void {
    this.emitRaw(e);
    if (e.type !== 'device.status' && e.type !== 'sync.status') this.changed();
  }

  private emitRaw(e: TerminalEvent): void {
    this.events.emit(e, (err) => this.ports.log.error({ err: String(err) }, 'event listener failed'));
  }

  private changed(): void {
    const view = this.view();
    if (view.state !== this.lastState) {
      this.lastState = view.state;
      this.emitRaw({ type: 'state', state: view.state });
    }
    this.ports.keypad?.showState(view);
    this.changes.emit(view, (err) => this.ports.log.error({ err: String(err) }, 'view listener failed'));
  }
}

function summary(m: StaffMember): StaffSummary {
  return { staffId: m.staffId, name: m.name, ...(m.title ? { title: m.title } : {}) };
}

function minLevel(levels: readonly Level[]): Level {
  return levels.reduce<Level>((a, b) => (b < a ? b : a), 5);
}

function answerOf(row: SessionRow): SessionAnswer {
  return {
    sessionId: row.sessionId,
    status: row.status,
    ...(row.satisfaction !== null ? { satisfaction: row.satisfaction } : {}),
    ...(row.evalDetail !== null ? { evalDetail: row.evalDetail } : {}),
    ...(row.ratedAt !== null ? { ratedAt: new Date(row.ratedAt).toISOString() } : {}),
  };
}
