import type { PageView, TerminalView } from '../bridge/contract.js';
import type { Invitations } from './invitations.js';
import type { Level } from './levels.js';

/** A surface beside the terminal's own screens (page mode, main/page): the core knows only these two things of it. */
export interface TerminalSurface {
  /** What the screen shows instead of the Inviting page, or null. */
  view(): PageView | null;
  /** A rating key during the invitation: true to rate here; false when the surface has the rating already. */
  keypadMayRate(sessionId: string): Promise<boolean>;
  /** The countdown ended: what the invitation waits for before it ends unrated (null: nothing to wait for). */
  countdownEnds(sessionId: string): Promise<void> | null;
}

/**
 * Page mode's side of the core (province-page.md): the core learns only how an invitation ended on the province's
 * page, and lets the surface show itself and answer a key first. No record, seq or chain: the rating is the province's.
 */
export class PageOutcomes {
  surface: TerminalSurface | null = null;

  constructor(private readonly d: { invitations: Invitations; forgetFigures: () => void; changed: () => void }) {
    d.invitations.holdTimeoutWith((id) => this.surface?.countdownEnds(id) ?? null);
  }

  /** Page mode's surface; the view and the keypad consult it from now on. */
  attach(surface: TerminalSurface): void {
    this.surface = surface;
  }

  /** The open invitation's facts a province link needs (page mode asks for its page with them). */
  openInvitation(): { sessionId: string; staffId: string; projectNo?: string; taskCode?: string } | null {
    const s = this.d.invitations.session;
    if (!s || s.phase !== 'inviting') return null;
    const taskCode = s.row.items[0]?.taskCode;
    return {
      sessionId: s.row.sessionId,
      staffId: s.row.staffId,
      ...(s.row.projectNo ? { projectNo: s.row.projectNo } : {}),
      ...(taskCode ? { taskCode } : {}),
    };
  }

  /**
   * The province holds a rating for this session (its page, or a phone): the open invitation ends rated (Thanks), one
   * that timed out waiting for that answer is recorded late; never a second rating. No record goes to the outbox.
   */
  ratedElsewhere(sessionId: string, r: { satisfaction: Level; evalId: string | null }): 'ended' | 'late' | 'ignored' {
    const outcome = this.d.invitations.endRatedElsewhere(sessionId, r);
    if (outcome !== 'ignored') {
      this.d.forgetFigures();
      this.d.changed();
    }
    return outcome;
  }

  /** The invitation timed out while the province never answered whether its page was rated (reason statusUnknown). */
  statusUnknown(sessionId: string): void {
    this.d.invitations.statusUnknown(sessionId);
  }

  /** A rating key during an invitation with a surface: the page to rate on the terminal, or null when the key does nothing more. */
  async keypadItem(sessionId: string): Promise<number | null> {
    if (this.surface && !(await this.surface.keypadMayRate(sessionId))) return null;
    // The world may have moved while the surface asked (the page rated, the countdown ended).
    const now = this.d.invitations.session;
    return now?.row.sessionId === sessionId && now.phase === 'inviting' ? now.currentItem : null;
  }

  /** The view with the surface's page, while an invitation is open. */
  withPage(view: TerminalView): TerminalView {
    const page = this.surface?.view() ?? null;
    return page && view.state === 'inviting' ? { ...view, page } : view;
  }
}
