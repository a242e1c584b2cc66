import type { LinkRequest, PageSource, PageStatusOutcome } from '../../sync/province/adapter.js';
import type { PageView } from '../bridge/contract.js';
import type { Cancel, Clock } from '../core/clock.js';
import type { TerminalEvent } from '../core/events.js';
import { isLevel } from '../core/levels.js';
import type { AuditLog, Logger } from '../core/ports.js';
import type { FetchRefusal } from './page-fetch.js';
import { originOf, PAGE_LINK_TIMEOUT_MS, type PageSettings, type RatingSurface } from './settings.js';

/** Why an invitation showed the terminal's own screen instead of the province's page (diagnostics counts them). */
export type FallbackReason =
  'no-page-source' | 'link-failed' | 'link-timeout' | 'off-origin' | FetchRefusal | 'load-timeout' | 'navigated-off' | 'rate-here' | 'keypad';

/** The fallbacks that say something is wrong with the province's page: a warning for the technician and the audit log. */
const FOR_TECHNICIAN: ReadonlySet<FallbackReason> = new Set(['off-origin', 'redirect-off-origin', 'navigated-off']);

/** After a countdown ended with no answer, a late `rated` is still recorded for this long. */
export const LATE_ANSWER_WINDOW_MS = 5 * 60_000;

/** What page mode needs of the terminal: the core's narrow page-mode methods and its view refresh. */
export interface PageTerminal {
  openInvitation(): { sessionId: string; staffId: string; projectNo?: string; taskCode?: string } | null;
  ratedElsewhere(sessionId: string, r: { satisfaction: 1 | 2 | 3 | 4 | 5; evalId: string | null }): 'ended' | 'late' | 'ignored';
  statusUnknown(sessionId: string): void;
  refreshView(): void;
}

export interface PageModeDeps {
  terminal: PageTerminal;
  /** The province's page capability; null when its adapter has none (every invitation then falls back). */
  source: PageSource | null;
  settings: PageSettings;
  /** `rating.surface` of the current rating policy. */
  surface: () => RatingSurface;
  terminalId: string;
  /** The terminal's own page the province's returns to (`/page-return?session=<id>`). */
  returnUrl: (sessionId: string) => string;
  /** The terminal's own GET of the page before it is shown (page-fetch.ts; a fake in unit tests). */
  checkPage: (url: string, origins: readonly string[], timeoutMs: number) => Promise<{ ok: true } | { ok: false; reason: FetchRefusal; detail: string }>;
  clock: Clock;
  audit: AuditLog;
  log: Logger;
}

interface Visit {
  sessionId: string;
  req: LinkRequest;
  /** asking: link and fetch under way; shown: in the frame; closed: the terminal's own screen (or the invitation ended). */
  phase: 'asking' | 'shown' | 'closed';
  url: string;
  origin: string;
  loaded: boolean;
  /** Whether the page was ever in the frame: only then is the province asked how the invitation ended. */
  everShown: boolean;
  timers: Cancel[];
  polling: boolean;
  /** The province's answer asked as the countdown ended, once it came. */
  final?: 'rated' | 'pending' | 'unknown';
}

/** Diagnostics: pages shown (loaded in the frame) and fallbacks by reason since start. */
export interface PageCounts {
  shown: number;
  fallbacks: Partial<Record<FallbackReason, number>>;
}

/**
 * Page mode (province-page.md): the province's evaluation page for an invitation, beside the terminal's own screens.
 * It shows the page only when the link, the terminal's own fetch and the frame's load all succeed in time, else the
 * terminal's Inviting screen at once; it learns the outcome only from the province's status, never from the frame.
 */
export class PageMode {
  private visit: Visit | null = null;
  /** Closed with the terminal: answers still on their way change nothing. */
  private closed = false;
  /** A session whose countdown ended with no answer: a later `rated` is recorded once. */
  private late: { sessionId: string; req: LinkRequest; until: number; timer: Cancel | null } | null = null;
  readonly counts: PageCounts = { shown: 0, fallbacks: {} };

  constructor(private readonly d: PageModeDeps) {}

  /** Feed of the terminal's events: an invitation opens a page, its end stops the asking. */
  onEvent(e: TerminalEvent): void {
    if (e.type === 'session.opened') void this.open(e.sessionId);
    else if (e.type === 'session.unrated' || e.type === 'session.cancelled' || e.type === 'session.rated') this.ended(e.sessionId, e.type);
  }

  /** The view's `page`: only while the page is in the frame. */
  view(): PageView | null {
    const v = this.visit;
    return v && (v.phase === 'shown' ? { sessionId: v.sessionId, url: v.url, origin: v.origin } : null);
  }

  /** The origin the kiosk page's frame may show (its CSP): the provisioned page origins. */
  get origins(): readonly string[] {
    return this.d.settings.origins;
  }

  /** The frame reported loaded (the renderer's `load` event for the page). */
  loaded(sessionId: string): void {
    const v = this.current(sessionId);
    if (!v || v.phase !== 'shown' || v.loaded) return;
    v.loaded = true;
    this.counts.shown += 1;
  }

  /** The frame reached `returnUrl`: proves nothing, but the province is asked at once. */
  returned(sessionId: string): boolean {
    const v = this.current(sessionId);
    // Anyone on the machine can navigate here: the caller says so, through its rate-limited warnings.
    if (!v?.everShown) return false;
    void this.poll(v);
    return true;
  }

  /** The frame was refused a navigation off `page.origins`: the page closes, for the technician to look at. */
  left(sessionId: string, blocked: string): void {
    const v = this.current(sessionId);
    if (v?.phase === 'shown') this.fallback(v, 'navigated-off', blocked);
  }

  /** 在终端上评价: the page closes and the five buttons show, unless the province already holds a rating. */
  async rateHere(sessionId: string): Promise<void> {
    await this.keypadMayRate(sessionId, 'rate-here');
  }

  /** A rating key during a page: asks the province first; true when the terminal should rate it here. */
  async keypadMayRate(sessionId: string, why: 'keypad' | 'rate-here' = 'keypad'): Promise<boolean> {
    const v = this.current(sessionId);
    if (!v?.everShown) return true;
    if (await this.poll(v)) return false;
    if (v.phase === 'shown') this.fallback(v, why, '');
    return this.visit === v;
  }

  /** The countdown ended: a page shown is asked about once more before the invitation ends unrated. */
  countdownEnds(sessionId: string): Promise<void> | null {
    const v = this.current(sessionId);
    if (!v?.everShown) return null;
    return this.status(v.req).then((answer) => {
      v.final = answer;
    });
  }

  close(): void {
    this.closed = true;
    if (this.visit) this.stop(this.visit);
    this.visit = null;
    this.late?.timer?.();
    this.late = null;
  }

  private async open(sessionId: string): Promise<void> {
    if (this.d.surface() !== 'province-page') return;
    const inv = this.d.terminal.openInvitation();
    if (!inv || inv.sessionId !== sessionId) return;
    if (this.visit) this.stop(this.visit);
    const req: LinkRequest = {
      terminalId: this.d.terminalId,
      sessionId,
      proManager: inv.staffId,
      ...(inv.projectNo ? { projectNo: inv.projectNo } : {}),
      ...(inv.taskCode ? { taskCode: inv.taskCode } : {}),
    };
    const v: Visit = { sessionId, req, phase: 'asking', url: '', origin: '', loaded: false, everShown: false, timers: [], polling: false };
    this.visit = v;
    if (!this.d.source) return this.fallback(v, 'no-page-source', '');
    const source = this.d.source;
    const link = await this.withTimeout(() => source.pageLink({ ...req, returnUrl: this.d.returnUrl(sessionId) }, PAGE_LINK_TIMEOUT_MS), PAGE_LINK_TIMEOUT_MS);
    if (this.visit !== v) return;
    if (link === 'timeout') return this.fallback(v, 'link-timeout', '');
    if (link.kind !== 'link') return this.fallback(v, 'link-failed', link.kind);
    const origin = originOf(link.url);
    if (!origin || !this.d.settings.origins.includes(origin)) return this.fallback(v, 'off-origin', link.url.slice(0, 200));
    const checked = await this.d.checkPage(link.url, this.d.settings.origins, this.d.settings.loadTimeoutMs);
    if (this.visit !== v || v.phase !== 'asking') return;
    if (!checked.ok) return this.fallback(v, checked.reason, checked.detail);
    v.url = link.url;
    v.origin = origin;
    v.phase = 'shown';
    v.everShown = true;
    v.timers.push(
      this.d.clock.after(this.d.settings.loadTimeoutMs, () => {
        if (v.phase === 'shown' && !v.loaded) this.fallback(v, 'load-timeout', '');
      }),
    );
    this.schedulePoll(v);
    this.d.terminal.refreshView();
  }

  private schedulePoll(v: Visit): void {
    v.timers.push(
      this.d.clock.after(this.d.settings.statusPollMs, () => {
        if (this.visit !== v) return;
        void this.poll(v);
        this.schedulePoll(v);
      }),
    );
  }

  /**
   * Asks the province whether it holds a rating for the visit's session; true when it did and the invitation ended
   * rated. A poll already under way is not doubled. Every answer is judged: another session's is ignored and logged.
   */
  private async poll(v: Visit): Promise<boolean> {
    if (!this.d.source || v.polling) return false;
    v.polling = true;
    try {
      const answer = await this.status(v.req);
      return answer === 'rated';
    } finally {
      v.polling = false;
    }
  }

  /** One status call: 'rated' (the terminal recorded it), 'pending', or 'unknown' (no answer). */
  private async status(req: LinkRequest): Promise<'rated' | 'pending' | 'unknown'> {
    const source = this.d.source;
    if (!source) return 'unknown';
    const timeoutMs = Math.max(1000, this.d.settings.statusPollMs);
    const answer = await this.withTimeout(() => source.pageStatus(req, timeoutMs), timeoutMs);
    if (this.closed || answer === 'timeout' || answer.kind !== 'status') return 'unknown';
    if (!this.judge(req.sessionId, answer)) return 'unknown';
    if (!answer.rated) return 'pending';
    const satisfaction = answer.satisfaction;
    if (satisfaction === undefined || !isLevel(satisfaction)) {
      this.d.log.warn({ sessionId: req.sessionId, satisfaction }, 'province page status says rated with a satisfaction outside 1–5: ignored');
      return 'unknown';
    }
    let outcome: ReturnType<PageTerminal['ratedElsewhere']>;
    try {
      outcome = this.d.terminal.ratedElsewhere(req.sessionId, { satisfaction, evalId: answer.evalId ?? null });
    } catch (err) {
      // Not stored (a full disk): the province keeps its rating, and the next answer is recorded instead.
      this.d.log.error({ err, sessionId: req.sessionId }, 'the province’s page rating could not be noted');
      return 'unknown';
    }
    if (outcome === 'late') this.d.log.info({ sessionId: req.sessionId }, 'the province’s page rating arrived after the countdown; recorded now');
    if (this.late?.sessionId === req.sessionId) this.endLate();
    if (this.visit?.sessionId === req.sessionId) this.stop(this.visit);
    return 'rated';
  }

  private judge(sessionId: string, answer: Extract<PageStatusOutcome, { kind: 'status' }>): boolean {
    if (answer.sessionId === sessionId) return true;
    this.d.log.warn({ asked: sessionId, answered: answer.sessionId.slice(0, 64) }, 'province page status for another session: ignored');
    return false;
  }

  /** The invitation ended: a page shown is asked about once more; no answer at a timeout is statusUnknown, asked again later. */
  private ended(sessionId: string, how: 'session.unrated' | 'session.cancelled' | 'session.rated'): void {
    const v = this.current(sessionId);
    if (!v) return;
    this.stop(v);
    this.visit = null;
    if (!v.everShown || how === 'session.rated') {
      this.d.terminal.refreshView();
      return;
    }
    // Asked already as the countdown ended; asked now when the invitation ended otherwise (cancelled, staff change).
    const final = v.final !== undefined ? Promise.resolve(v.final) : this.status(v.req);
    void final.then((answer) => {
      if (this.closed || answer !== 'unknown' || how !== 'session.unrated') return;
      try {
        this.d.terminal.statusUnknown(sessionId);
      } catch (err) {
        this.d.log.error({ err, sessionId }, 'statusUnknown could not be stored; the invitation stays timedOut');
      }
      this.d.log.warn({ sessionId }, 'the invitation ended while the province did not answer whether its page was rated (statusUnknown)');
      this.late?.timer?.();
      this.late = { sessionId, req: v.req, until: this.d.clock.now() + LATE_ANSWER_WINDOW_MS, timer: null };
      this.askLate();
    });
  }

  private askLate(): void {
    const l = this.late;
    if (!l) return;
    l.timer = this.d.clock.after(this.d.settings.statusPollMs, () => {
      if (this.late !== l) return;
      void this.status(l.req).then((answer) => {
        if (this.late !== l) return;
        if (answer !== 'unknown' || this.d.clock.now() >= l.until) this.endLate();
        else this.askLate();
      });
    });
  }

  private endLate(): void {
    this.late?.timer?.();
    this.late = null;
  }

  private fallback(v: Visit, reason: FallbackReason, detail: string): void {
    const wasShown = v.phase === 'shown';
    v.phase = 'closed';
    this.counts.fallbacks[reason] = (this.counts.fallbacks[reason] ?? 0) + 1;
    if (FOR_TECHNICIAN.has(reason)) {
      this.d.log.warn(
        { sessionId: v.sessionId, reason, detail },
        'the province’s page tried to leave its allowed origins: closed, the terminal’s own screen shown',
      );
      this.d.audit.record({ actor: 'system', action: 'page.refused', detail: { sessionId: v.sessionId, reason, detail } });
    } else if (reason !== 'rate-here' && reason !== 'keypad') {
      this.d.log.info({ sessionId: v.sessionId, reason, detail }, 'the province’s page is not shown; the terminal’s own screen instead');
    }
    // The load timer goes; the polls stay while a page was shown: the citizen may have rated there already.
    if (!v.everShown) this.stop(v);
    if (wasShown || !v.everShown) this.d.terminal.refreshView();
  }

  private stop(v: Visit): void {
    for (const t of v.timers) t();
    v.timers = [];
    if (v.phase === 'shown') v.phase = 'closed';
  }

  private current(sessionId: string): Visit | null {
    return this.visit?.sessionId === sessionId ? this.visit : null;
  }

  /** The call's answer, or 'timeout' after `ms` on the terminal's clock; a call that throws or rejects is no answer. */
  private withTimeout<T>(call: () => Promise<T>, ms: number): Promise<T | 'timeout'> {
    let p: Promise<T>;
    try {
      p = call();
    } catch (err) {
      p = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise((resolve) => {
      const cancel = this.d.clock.after(ms, () => resolve('timeout'));
      p.then(
        (x) => {
          cancel();
          resolve(x);
        },
        (err: unknown) => {
          cancel();
          this.d.log.warn({ err }, 'province page call failed');
          resolve('timeout');
        },
      );
    });
  }
}
