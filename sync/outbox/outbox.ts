import type { Database } from 'better-sqlite3';
import { chainHash, GENESIS_CHAIN_HASH } from '../chain.js';
import { evaluationRecordSchema, type EvaluationRecord, type NewRecord, type RecordPatch } from '../record.js';
import { prepared } from '../prepared.js';

export type OutboxState = 'held' | 'pending' | 'in-flight' | 'accepted' | 'duplicate' | 'rejected';

export interface OutboxEntry {
  seq: number;
  evalId: string;
  state: OutboxState;
  record: EvaluationRecord;
  attempts: number;
  lastCode: string | null;
  lastError: string | null;
}

export interface OutboxCounts {
  pending: number;
  deadLetter: number;
  held: number;
  oldestPendingAt: number | null;
}

/** Moves the queue head (the one row of outbox_head) to a seq and its chain hash. */
export const SET_HEAD =
  'INSERT INTO outbox_head (id, seq, chain_hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, chain_hash = excluded.chain_hash';
const HEAD = 'SELECT seq, chain_hash FROM outbox_head WHERE id = 1';
const INSERT = `INSERT INTO outbox (seq, eval_id, group_id, chain_hash, payload, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const FIRST_HELD = `SELECT MIN(seq) AS s FROM outbox WHERE state = 'held'`;
const PENDING_BEFORE = `SELECT * FROM outbox WHERE state = 'pending' AND seq < ? ORDER BY seq LIMIT ?`;
const RELEASE = `UPDATE outbox SET state = 'pending', updated_at = ? WHERE eval_id = ? AND state = 'held'`;
const MARK_IN_FLIGHT = `UPDATE outbox SET state = 'in-flight', attempts = attempts + 1, updated_at = ? WHERE seq = ?`;

interface Row {
  seq: number;
  eval_id: string;
  state: OutboxState;
  payload: string;
  attempts: number;
  last_code: string | null;
  last_error: string | null;
}

/**
 * The upload queue. Every write method must run inside the caller's transaction, so that a rating and
 * its outbox entry commit together; the outbox never opens a transaction of its own for appends.
 */
export class Outbox {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Compiles the statements a rating's append (and release) and the upload's claim run, without running them: the first citizen's
   * rating after a start then compiles no SQL (issue 27's cold tap). Nothing is read or written.
   */
  warm(): void {
    for (const sql of [HEAD, INSERT, SET_HEAD, RELEASE, FIRST_HELD, PENDING_BEFORE, MARK_IN_FLIGHT]) prepared(this.db, sql);
  }

  /** The last seq and chain hash given out (kept after purges, so numbering never restarts). */
  head(): { seq: number; chainHash: string } {
    const head = prepared(this.db, HEAD).get() as { seq: number; chain_hash: string } | undefined;
    return { seq: head?.seq ?? 0, chainHash: head?.chain_hash ?? GENESIS_CHAIN_HASH };
  }

  /** Numbers the record (next seq, chain hash) and queues it; `held` keeps it back while a follow-up is open. */
  append(record: NewRecord, opts: { held: boolean }): EvaluationRecord {
    this.assertInTransaction();
    const head = this.head();
    const seq = head.seq + 1;
    const full: EvaluationRecord = { ...record, seq, chainHash: '' };
    full.chainHash = chainHash(head.chainHash, full);
    const checked = evaluationRecordSchema.parse(full);
    const t = this.now();
    prepared(this.db, INSERT).run(
      seq,
      checked.evalId,
      checked.groupId ?? null,
      checked.chainHash,
      JSON.stringify(checked),
      opts.held ? 'held' : 'pending',
      t,
      t,
    );
    prepared(this.db, SET_HEAD).run(seq, checked.chainHash);
    return checked;
  }

  /** Amends a held record (tags, comment, dimensions arrive after the level). Fields outside the chain only. */
  amendHeld(evalId: string, patch: RecordPatch): void {
    this.assertInTransaction();
    const row = prepared(this.db, 'SELECT payload, state FROM outbox WHERE eval_id = ?').get(evalId) as Pick<Row, 'payload' | 'state'> | undefined;
    if (!row) throw new Error(`outbox has no record ${evalId}`);
    if (row.state !== 'held') throw new Error(`record ${evalId} is ${row.state}, not held`);
    const merged = evaluationRecordSchema.parse({ ...(JSON.parse(row.payload) as object), ...withoutUndefined(patch) });
    prepared(this.db, 'UPDATE outbox SET payload = ?, updated_at = ? WHERE eval_id = ?').run(JSON.stringify(merged), this.now(), evalId);
  }

  release(evalIds: readonly string[]): void {
    const stmt = prepared(this.db, RELEASE);
    for (const id of evalIds) stmt.run(this.now(), id);
  }

  /** After a restart no follow-up is open any more: whatever was held is ready to go. */
  releaseAllHeld(): number {
    return prepared(this.db, `UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'held'`).run(this.now()).changes;
  }

  get(evalId: string): OutboxEntry | undefined {
    const row = prepared(this.db, 'SELECT * FROM outbox WHERE eval_id = ?').get(evalId) as Row | undefined;
    return row && toEntry(row);
  }

  list(opts: { states?: readonly OutboxState[]; limit?: number } = {}): OutboxEntry[] {
    const states = opts.states ?? ['held', 'pending', 'in-flight', 'accepted', 'duplicate', 'rejected'];
    const rows = prepared(this.db, `SELECT * FROM outbox WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY seq LIMIT ?`).all(
      ...states,
      opts.limit ?? -1,
    ) as Row[];
    return rows.map(toEntry);
  }

  /**
   * The queue's figures, on every rating, view and heartbeat: read from the running counts (outbox_counts, kept by
   * triggers) and, for the oldest unsent record, three MIN lookups on the (state, seq) index; none scans the table.
   */
  counts(): OutboxCounts {
    const n = new Map((prepared(this.db, 'SELECT state, n FROM outbox_counts').all() as { state: OutboxState; n: number }[]).map((r) => [r.state, r.n]));
    const oldest = prepared(
      this.db,
      `SELECT created_at FROM outbox WHERE seq = (SELECT MIN(m) FROM (
           SELECT MIN(seq) AS m FROM outbox WHERE state = 'held'
           UNION ALL SELECT MIN(seq) FROM outbox WHERE state = 'pending'
           UNION ALL SELECT MIN(seq) FROM outbox WHERE state = 'in-flight'))`,
    ).get() as { created_at: number } | undefined;
    const of = (s: OutboxState) => n.get(s) ?? 0;
    return { pending: of('pending') + of('in-flight'), deadLetter: of('rejected'), held: of('held'), oldestPendingAt: oldest?.created_at ?? null };
  }

  /**
   * Unsent records (waiting or in flight, held for a follow-up, dead letters) that `which` picks: those carrying an
   * SM2-encrypted `certKey` or `mobile` (readable only under the key they were captured with), or 默认评价
   * (`evaluateType` 3). What a provisioning change would strand; reads only the unsent rows, when a technician asks.
   */
  unsentWith(which: 'sm2-fields' | 'default-ratings'): { pending: number; held: number; deadLetter: number } {
    const match =
      which === 'sm2-fields'
        ? `(json_extract(payload, '$.certKey') IS NOT NULL OR json_extract(payload, '$.mobile') IS NOT NULL)`
        : `json_extract(payload, '$.evaluateType') = 3`;
    const rows = prepared(
      this.db,
      `SELECT state, COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'in-flight', 'held', 'rejected') AND ${match} GROUP BY state`,
    ).all() as { state: OutboxState; n: number }[];
    const of = (s: OutboxState) => rows.find((r) => r.state === s)?.n ?? 0;
    return { pending: of('pending') + of('in-flight'), held: of('held'), deadLetter: of('rejected') };
  }

  /**
   * Takes the oldest pending records, in seq order, up to `maxRecords` and `maxBytes` of JSON, and marks them
   * in-flight. Never claims past a held record, so the province receives records in seq order.
   */
  claim(maxRecords: number, maxBytes: number): OutboxEntry[] {
    return this.db
      .transaction(() => {
        const held = prepared(this.db, FIRST_HELD).get() as { s: number | null };
        const rows = prepared(this.db, PENDING_BEFORE).all(held.s ?? Number.MAX_SAFE_INTEGER, maxRecords) as Row[];
        const picked: Row[] = [];
        let bytes = 0;
        for (const r of rows) {
          bytes += Buffer.byteLength(r.payload) + 1;
          if (picked.length > 0 && bytes > maxBytes) break;
          picked.push(r);
        }
        const mark = prepared(this.db, MARK_IN_FLIGHT);
        for (const r of picked) mark.run(this.now(), r.seq);
        return picked.map((r) => toEntry({ ...r, state: 'in-flight', attempts: r.attempts + 1 }));
      })
      .immediate();
  }

  /** Applies the province's per-record answers in one transaction: accepted/duplicate are done, rejected is dead-letter. */
  applyResults(
    results: readonly { evalId: string; status: 'accepted' | 'duplicate' | 'rejected'; code?: string | undefined; message?: string | undefined }[],
  ): void {
    const done = prepared(
      this.db,
      `UPDATE outbox SET state = ?, last_code = NULL, last_error = NULL, updated_at = ? WHERE eval_id = ? AND state = 'in-flight'`,
    );
    const dead = prepared(
      this.db,
      `UPDATE outbox SET state = 'rejected', last_code = ?, last_error = ?, updated_at = ? WHERE eval_id = ? AND state = 'in-flight'`,
    );
    this.db
      .transaction(() => {
        for (const r of results) {
          if (r.status === 'rejected') dead.run(r.code ?? 'REJECTED', r.message ?? r.code ?? 'rejected by the province', this.now(), r.evalId);
          else done.run(r.status, this.now(), r.evalId);
        }
      })
      .immediate();
  }

  /** A batch that did not get through goes back to pending, with the reason, for the next try. */
  unclaim(evalIds: readonly string[], error: string | null): void {
    const stmt = prepared(
      this.db,
      `UPDATE outbox SET state = 'pending', last_error = COALESCE(?, last_error), updated_at = ? WHERE eval_id = ? AND state = 'in-flight'`,
    );
    this.db
      .transaction(() => {
        for (const id of evalIds) stmt.run(error, this.now(), id);
      })
      .immediate();
  }

  /** After a crash, whatever was in flight is simply sent again: the province keys records by evalId. */
  requeueInFlight(): number {
    return prepared(this.db, `UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'in-flight'`).run(this.now()).changes;
  }

  /** A technician's "resend" of dead-letter records (all of them when no ids are given). */
  resend(evalIds?: readonly string[]): number {
    if (!evalIds) return prepared(this.db, `UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'rejected'`).run(this.now()).changes;
    const stmt = prepared(this.db, `UPDATE outbox SET state = 'pending', updated_at = ? WHERE eval_id = ? AND state = 'rejected'`);
    return this.db.transaction(() => evalIds.reduce((n, id) => n + stmt.run(this.now(), id).changes, 0))();
  }

  /** Retention: accepted records older than the period go; nothing not yet accepted is ever purged. */
  purgeDone(olderThan: number): number {
    return prepared(this.db, `DELETE FROM outbox WHERE state IN ('accepted','duplicate') AND updated_at < ?`).run(olderThan).changes;
  }

  private assertInTransaction(): void {
    if (!this.db.inTransaction) throw new Error('outbox writes must run inside the caller’s transaction');
  }
}

function toEntry(row: Row): OutboxEntry {
  return {
    seq: row.seq,
    evalId: row.eval_id,
    state: row.state,
    record: evaluationRecordSchema.parse(JSON.parse(row.payload)),
    attempts: row.attempts,
    lastCode: row.last_code,
    lastError: row.last_error,
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
