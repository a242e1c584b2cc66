import type { Database } from 'better-sqlite3';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { RatingRepository, RatingWrites } from '../core/ports.js';
import { SessionStore } from './sessions.js';

/**
 * The core's storage port on SQLite: a session change and its outbox entries in one IMMEDIATE transaction
 * (WAL, synchronous=FULL), so a rating is acknowledged only once both are on disk.
 */
export function ratingRepository(db: Database, now: () => number): RatingRepository {
  const sessions = new SessionStore(db);
  const outbox = new Outbox(db, now);
  const writes: RatingWrites = {
    insertSession: (row) => sessions.insert(row),
    markRated: (id, level, pf, at) => sessions.markRated(id, level, pf, at),
    setSessionMode: (id, mode) => sessions.setMode(id, mode),
    closeSession: (id, status, at, reason) => sessions.close(id, status, at, reason ?? null),
    setEvalDetail: (id, detail) => sessions.setEvalDetail(id, detail),
    markDefaulted: (id, at) => sessions.markDefaulted(id, at),
    appendRecord: (record, held) => void outbox.append(record, { held }),
    amendHeld: (evalId, patch) => outbox.amendHeld(evalId, patch),
    release: (evalIds) => outbox.release(evalIds),
    noteRatedElsewhere: (note) => sessions.noteRatedElsewhere(note),
    markStatusUnknown: (id) => sessions.markStatusUnknown(id),
  };
  return {
    session: (id) => sessions.get(id),
    staffFigures: (staffId, since) => sessions.staffFigures(staffId, since),
    ratedSince: (staffId, since) => sessions.ratedSince(staffId, since),
    dueForDefault: (before, limit) => sessions.dueForDefault(before, limit),
    invitationEnds: (since) => sessions.invitationEnds(since),
    unitOfWork: (work) => db.transaction(() => work(writes)).immediate(),
    recover: (at) => db.transaction(() => ({ abandoned: sessions.closeAbandoned(at), released: outbox.releaseAllHeld() })).immediate(),
  };
}
