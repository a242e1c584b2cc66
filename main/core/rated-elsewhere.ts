import type { Clock } from './clock.js';
import type { TerminalEvent } from './events.js';
import type { Level } from './levels.js';
import type { RatingRepository } from './ports.js';
import type { RatingBook } from './ratings.js';
import type { SessionRow } from './session.js';

export interface RatedElsewhereDeps {
  repo: Pick<RatingRepository, 'session'>;
  book: Pick<RatingBook, 'commit'>;
  clock: Clock;
  hooks: { event(e: TerminalEvent): void };
}

/** The invitation open on this screen, where it is the session the province answered for. */
export interface ShownInvitation {
  row: SessionRow;
  phase: 'inviting' | 'follow-up';
  chosen: readonly Level[];
}

/**
 * Page mode (province-page.md): the province says it holds a rating for this session, made on its own page (or a
 * phone). An open invitation nobody rated here ends rated with Thanks; one that timed out waiting for that answer is
 * recorded late; anything else (rated here, cancelled, another session) is left alone. No record is made: the
 * rating is the province's, and only a local note is kept.
 * Apart from Invitations because the province, not this screen, decides here; 'ended' leaves the ending (Thanks) to it.
 */
export function noteRatedElsewhere(
  d: RatedElsewhereDeps,
  open: ShownInvitation | null,
  sessionId: string,
  r: { satisfaction: Level; evalId: string | null },
): 'ended' | 'late' | 'ignored' {
  if (open && (open.phase !== 'inviting' || open.chosen.length > 0)) return 'ignored';
  const row = open ? open.row : d.repo.session(sessionId);
  if (!row) return 'ignored';
  const now = d.clock.now();
  const noted = d.book.commit((w) => w.noteRatedElsewhere({ sessionId, staffId: row.staffId, satisfaction: r.satisfaction, evalId: r.evalId, at: now }));
  if (!noted) return 'ignored';
  d.hooks.event({
    type: 'session.rated',
    sessionId,
    satisfaction: r.satisfaction,
    ratedAt: new Date(now).toISOString(),
    surface: 'province-page',
    ...(r.evalId ? { evalId: r.evalId } : {}),
  });
  return open ? 'ended' : 'late';
}
