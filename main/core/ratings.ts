import { formatCst, type Clock } from './clock.js';
import type { TerminalConfig } from './config.js';
import { CommandError } from './errors.js';
import type { Level } from './levels.js';
import type { FollowUpAnswer } from './policy.js';
import type { IdentityProtector, Logger, RatingRepository, RatingWrites } from './ports.js';
import { buildRecord, evalDetail, type Flag, type Pf, type RecordInput, type Where } from './records.js';
import type { SessionItem, SessionRow, StoredApplicant } from './session.js';
import { newId } from './ids.js';

export interface ApplicantInput {
  name?: string | undefined;
  userProp?: 1 | 2 | undefined;
  certKey?: string | undefined;
  mobile?: string | undefined;
}

export interface ChoiceToRecord {
  row: SessionRow;
  level: Level;
  pf: Pf;
  now: number;
  /** One record per item (a combined rating of several items), or one with no item. */
  items: (SessionItem | null)[];
  flags: Flag[];
  /** Kept back while a follow-up or a further page is open. */
  held: boolean;
  /** Records of earlier pages, released with these when nothing is held. */
  earlier: readonly string[];
  /** The session ends with this choice: close it in the same commit (one fsync before Thanks, not two). */
  last: boolean;
}

/** Turns choices into stored records: the session row and its outbox entries in one unit of work, nothing acknowledged before. */
export class RatingBook {
  constructor(
    private readonly repo: RatingRepository,
    private readonly clock: Clock,
    private readonly identity: IdentityProtector,
    private readonly where: Where | null,
    private readonly log: Logger,
    private readonly onWriteFailed: (err: unknown) => void = () => undefined,
  ) {}

  /** A failed write is the citizen's concern only as "try again"; the cause goes to the log. */
  commit<T>(work: (w: RatingWrites) => T): T {
    try {
      return this.repo.unitOfWork(work);
    } catch (err) {
      if (err instanceof CommandError) throw err;
      this.log.error({ err }, 'storage write failed');
      this.onWriteFailed(err);
      throw new CommandError('STORAGE_FAILED', 'the rating could not be stored; nothing was recorded, please try again');
    }
  }

  /** Stores a choice; returns the new records' ids once committed. */
  recordChoice(c: ChoiceToRecord): string[] {
    return this.commit((w) => {
      const ids = c.items.map((item) => {
        const evalId = newId();
        w.appendRecord(buildRecord(this.input(c.row, { level: c.level, pf: c.pf, now: c.now, item, flags: c.flags, evaluateType: 1 }), evalId), c.held);
        return evalId;
      });
      w.markRated(c.row.sessionId, c.level, c.pf, c.now);
      if (!c.held) {
        w.release([...c.earlier, ...ids]);
        if (c.last) w.closeSession(c.row.sessionId, null, c.now);
      }
      return ids;
    });
  }

  /** The follow-up's reasons, comment, phone and dimensions join the held records, which then go. */
  completeFollowUp(row: SessionRow, evalIds: readonly string[], config: TerminalConfig, a: FollowUpAnswer): void {
    const detail = evalDetail(a.tags, a.answers);
    const comment = a.comment.trim();
    const mobile = a.phone ? this.identity.encryptForProvince(a.phone) : null;
    const now = this.clock.now();
    this.commit((w) => {
      for (const evalId of evalIds) {
        w.amendHeld(evalId, {
          ...(detail ? { evalDetail: detail } : {}),
          ...(a.tags.length ? { evalDetailVersion: config.tags.version } : {}),
          ...(comment ? { writingEvaluation: comment } : {}),
          ...(mobile ? { mobile } : {}),
          ...(a.dimensions && config.rating.dimensions ? { dimensions: a.dimensions } : {}),
        });
      }
      if (detail) w.setEvalDetail(row.sessionId, detail);
      w.release(evalIds);
      w.closeSession(row.sessionId, null, now);
    });
  }

  /** Releases what was held and ends the session, keeping whatever was entered. */
  releaseAndClose(sessionId: string, evalIds: readonly string[]): void {
    const now = this.clock.now();
    this.commit((w) => {
      w.release(evalIds);
      w.closeSession(sessionId, null, now);
    });
  }

  /** 默认评价: satisfaction 3, evaluateType 3, one record per item, for a session nobody rated. */
  recordDefault(row: SessionRow, now: number, pf: Pf): void {
    const items: (SessionItem | null)[] = row.items.length ? row.items : [null];
    this.commit((w) => {
      for (const item of items) w.appendRecord(buildRecord(this.input(row, { level: 3, pf, now, item, flags: [], evaluateType: 3 }), newId()), false);
      w.markDefaulted(row.sessionId, now);
    });
  }

  /** Sealed or encrypted on arrival: nothing of the applicant is stored in plaintext. */
  protectApplicant(a: ApplicantInput | undefined): StoredApplicant | null {
    if (!a) return null;
    const out: StoredApplicant = {};
    if (a.name) out.nameSealed = this.identity.sealName(a.name);
    if (a.userProp) out.userProp = a.userProp;
    const certKey = a.certKey ? this.identity.encryptForProvince(a.certKey) : null;
    if (certKey) out.certKey = certKey;
    const mobile = a.mobile ? this.identity.encryptForProvince(a.mobile) : null;
    if (mobile) out.mobile = mobile;
    return out;
  }

  /** What a record of this session says, whatever made it (a choice, or the default after the no-rating period). */
  private input(row: SessionRow, r: { level: Level; pf: Pf; now: number; item: SessionItem | null; flags: Flag[]; evaluateType: 1 | 3 }): RecordInput {
    if (!this.where) throw new CommandError('UNPROVISIONED', 'this terminal is not provisioned yet');
    const a = row.applicant;
    return {
      where: this.where,
      sessionId: row.sessionId,
      staff: { staffId: row.staffId, name: row.staffName },
      level: r.level,
      pf: r.pf,
      at: formatCst(r.now),
      // Never after the rating: a clock corrected between opening and rating must not put the service after it.
      serviceTime: formatCst(Math.min(row.openedAt, r.now)),
      clockTrusted: this.clock.trusted(),
      projectNo: row.projectNo,
      item: r.item,
      applicant: a && { userName: a.nameSealed, userProp: a.userProp, certKey: a.certKey, mobile: a.mobile },
      flags: r.flags,
      evaluateType: r.evaluateType,
    };
  }
}
