import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { sessionItemSchema, storedApplicantSchema, type EndReason, type NewSessionRow, type SessionRow, type SessionStatus } from '../core/session.js';
import { prepared } from '../../sync/prepared.js';
import type { RatedElsewhere } from '../core/ports.js';

interface Raw {
  session_id: string;
  status: SessionStatus;
  staff_id: string;
  staff_name: string;
  opened_at: number;
  expires_at: number;
  mode: 'combined' | 'per-item';
  project_no: string | null;
  items: string;
  applicant: string | null;
  qr_url: string;
  satisfaction: number | null;
  eval_detail: string | null;
  pf: string | null;
  rated_at: number | null;
  closed_at: number | null;
}

const INSERT = `INSERT INTO sessions (session_id, status, staff_id, staff_name, opened_at, expires_at, mode, project_no, items, applicant, qr_url)
         VALUES (?, 'inviting', ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const GET = 'SELECT * FROM sessions WHERE session_id = ?';
const MARK_RATED = `UPDATE sessions SET status = 'rated', satisfaction = MIN(COALESCE(satisfaction, 5), ?), pf = ?, rated_at = COALESCE(rated_at, ?) WHERE session_id = ?`;
const RATED_SINCE = `SELECT COUNT(*) AS n FROM sessions WHERE staff_id = ? AND rated_at >= ?`;

/** The `sessions` table. Writes run inside the caller's transaction (see RatingRepository). */
export class SessionStore {
  constructor(private readonly db: Database) {}

  /** Compiles the statements an invitation and its rating run, without running them (see Outbox.warm). */
  warm(): void {
    for (const sql of [INSERT, GET, MARK_RATED, RATED_SINCE]) prepared(this.db, sql);
  }

  insert(s: NewSessionRow): void {
    prepared(this.db, INSERT).run(
      s.sessionId,
      s.staffId,
      s.staffName,
      s.openedAt,
      s.expiresAt,
      s.mode,
      s.projectNo,
      JSON.stringify(s.items),
      s.applicant && JSON.stringify(s.applicant),
      s.qrUrl,
    );
  }

  get(sessionId: string): SessionRow | undefined {
    const raw = prepared(this.db, GET).get(sessionId) as Raw | undefined;
    return raw && fromRaw(raw);
  }

  markRated(sessionId: string, satisfaction: number, pf: string, at: number): void {
    prepared(this.db, MARK_RATED).run(satisfaction, pf, at, sessionId);
  }

  setEvalDetail(sessionId: string, evalDetail: string | null): void {
    prepared(this.db, 'UPDATE sessions SET eval_detail = ? WHERE session_id = ?').run(evalDetail, sessionId);
  }

  close(sessionId: string, status: 'unrated' | 'cancelled' | null, at: number, reason: EndReason | null): void {
    if (status) {
      prepared(this.db, `UPDATE sessions SET status = ?, closed_at = ?, end_reason = ? WHERE session_id = ? AND status = 'inviting'`).run(
        status,
        at,
        reason,
        sessionId,
      );
    }
    prepared(this.db, 'UPDATE sessions SET closed_at = COALESCE(closed_at, ?) WHERE session_id = ?').run(at, sessionId);
  }

  /**
   * Page mode: the province holds the rating. An open invitation, or one that timed out waiting for the province's
   * answer and has had no default rating, ends rated, with the note beside it; anything else is left alone.
   */
  noteRatedElsewhere(n: RatedElsewhere): boolean {
    const changed = prepared(
      this.db,
      `UPDATE sessions SET status = 'rated', satisfaction = ?, rated_at = ?, closed_at = COALESCE(closed_at, ?), end_reason = NULL
         WHERE session_id = ? AND defaulted_at IS NULL
           AND (status = 'inviting' OR (status = 'unrated' AND end_reason IN ('timedOut', 'statusUnknown')))`,
    ).run(n.satisfaction, n.at, n.at, n.sessionId).changes;
    if (!changed) return false;
    prepared(this.db, 'INSERT OR IGNORE INTO page_ratings (session_id, staff_id, satisfaction, eval_id, rated_at) VALUES (?, ?, ?, ?, ?)').run(
      n.sessionId,
      n.staffId,
      n.satisfaction,
      n.evalId,
      n.at,
    );
    return true;
  }

  markStatusUnknown(sessionId: string): void {
    prepared(this.db, `UPDATE sessions SET end_reason = 'statusUnknown' WHERE session_id = ? AND status = 'unrated' AND end_reason = 'timedOut'`).run(
      sessionId,
    );
  }

  /** Invitations left open by a stop or crash: the citizen's screen is gone, so they end unrated. */
  closeAbandoned(at: number): number {
    return prepared(this.db, `UPDATE sessions SET status = 'unrated', closed_at = ?, end_reason = 'abandoned' WHERE status = 'inviting'`).run(at).changes;
  }

  /** Unrated sessions closed before `before` that have not had their default rating yet. */
  dueForDefault(before: number, limit: number): SessionRow[] {
    const rows = prepared(
      this.db,
      `SELECT * FROM sessions WHERE status = 'unrated' AND defaulted_at IS NULL AND closed_at IS NOT NULL AND closed_at <= ? ORDER BY closed_at LIMIT ?`,
    ).all(before, limit) as Raw[];
    return rows.map(fromRaw);
  }

  setMode(sessionId: string, mode: 'combined' | 'per-item'): void {
    prepared(this.db, `UPDATE sessions SET mode = ? WHERE session_id = ? AND status = 'inviting'`).run(mode, sessionId);
  }

  markDefaulted(sessionId: string, at: number): void {
    prepared(this.db, 'UPDATE sessions SET defaulted_at = ? WHERE session_id = ?').run(at, sessionId);
  }

  /** Ratings and the share not 差评 (levels 3..5) for one staff member since `since`. */
  staffFigures(staffId: string, since: number): { count: number; satisfied: number } {
    const r = prepared(
      this.db,
      `SELECT COUNT(*) AS count, COALESCE(SUM(satisfaction >= 3), 0) AS satisfied FROM sessions WHERE staff_id = ? AND status = 'rated' AND rated_at >= ?`,
    ).get(staffId, since) as { count: number; satisfied: number };
    return r;
  }

  /** Sessions opened since `since`, grouped by how they ended; cancellations within 5 s of opening counted apart. */
  invitationEnds(since: number): { status: SessionStatus; reason: EndReason | null; count: number; quickCancels: number }[] {
    return prepared(
      this.db,
      `SELECT status, end_reason AS reason, COUNT(*) AS count,
                COALESCE(SUM(status = 'cancelled' AND closed_at - opened_at < 5000), 0) AS quickCancels
         FROM sessions INDEXED BY sessions_opened WHERE opened_at >= ? GROUP BY status, end_reason`,
    ).all(since) as { status: SessionStatus; reason: EndReason | null; count: number; quickCancels: number }[];
  }

  ratedSince(staffId: string, since: number): number {
    return (prepared(this.db, RATED_SINCE).get(staffId, since) as { n: number }).n;
  }
}

function fromRaw(r: Raw): SessionRow {
  return {
    sessionId: r.session_id,
    status: r.status,
    staffId: r.staff_id,
    staffName: r.staff_name,
    openedAt: r.opened_at,
    expiresAt: r.expires_at,
    mode: r.mode,
    projectNo: r.project_no,
    items: z.array(sessionItemSchema).parse(JSON.parse(r.items)),
    applicant: r.applicant === null ? null : storedApplicantSchema.parse(JSON.parse(r.applicant)),
    qrUrl: r.qr_url,
    satisfaction: r.satisfaction,
    evalDetail: r.eval_detail,
    pf: r.pf,
    ratedAt: r.rated_at,
    closedAt: r.closed_at,
  };
}
