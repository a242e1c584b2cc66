import type { Database } from 'better-sqlite3';
import { GENESIS_CHAIN_HASH } from '../chain.js';
import { SET_HEAD, type OutboxState } from './outbox.js';

const STATES: readonly OutboxState[] = ['held', 'pending', 'in-flight', 'accepted', 'duplicate', 'rejected'];

/** What setting the outbox's derived tables right from its rows changed. */
export interface OutboxRebuild {
  /**
   * The head stood below the highest record (`was`) and now stands on it (`now`); null when it was right. `lostAfter`:
   * seqs up to `now` were given out (the damaged file's indexes name them) but the records after this one were lost
   * with the head, so the next record's chain hash follows this one's: the chain breaks where records are missing.
   */
  head: { was: number; now: number; lostAfter?: number } | null;
  /** The running counts disagreed with the rows and were counted again. */
  counts: boolean;
  /** Why they could not be set right (then `appendRefusal` says whether a rating can still be stored). */
  failed: string | null;
}

/**
 * The outbox's tables that are derived from its rows, set right from the rows: the head (the last seq and chain hash
 * given out) stands at least on the highest record, with that record's hash, and, when asked, the running counts are
 * what the rows say. After a salvage either may be lost or stale: issue 24, the head's page was the damaged one, the
 * next seq was 1 again and every rating failed on `UNIQUE constraint failed: outbox.seq`. A head above every record
 * (the older ones purged once accepted) is kept as it is: numbering never restarts. Counting is a scan of the table,
 * so only a salvage asks for it; the head is two lookups, cheap at every start.
 */
export function rebuildOutboxDerived(db: Database, opts: { counts: boolean; given?: number }): OutboxRebuild {
  try {
    return db.transaction(() => ({ head: rebuildHead(db, opts.given ?? 0), counts: opts.counts && recount(db), failed: null }))();
  } catch (err) {
    return { head: null, counts: false, failed: err instanceof Error ? err.message : String(err) };
  }
}

/** `given`: the highest seq known to have been given out, besides the rows and the head (0 when none is). */
function rebuildHead(db: Database, given: number): OutboxRebuild['head'] {
  const head = db.prepare('SELECT seq, chain_hash FROM outbox_head WHERE id = 1').get() as { seq: number; chain_hash: string } | undefined;
  const top = db.prepare('SELECT seq, chain_hash FROM outbox ORDER BY seq DESC LIMIT 1').get() as { seq: number; chain_hash: string } | undefined;
  const was = head?.seq ?? 0;
  const last = top && top.seq > was ? top : head;
  const lastSeq = last?.seq ?? 0;
  if (given > lastSeq) {
    // A seq is never given out twice (province-api.md): numbering goes on after the highest, even without its hash.
    db.prepare(SET_HEAD).run(given, last?.chain_hash ?? GENESIS_CHAIN_HASH);
    return { was, now: given, lostAfter: lastSeq };
  }
  if (!top || top.seq <= was) return null;
  db.prepare(SET_HEAD).run(top.seq, top.chain_hash);
  return { was, now: top.seq };
}

/**
 * The highest seq a damaged file's outbox names anywhere it can still be read: the table's right edge, or any of its
 * indexes, each of which holds every row's seq. Where the head and the table's last page are both lost, an index may
 * still say how far numbering had gone. 0 when nothing can be read.
 */
export function highestSeqIn(old: Database): number {
  const ways = [
    'SELECT max(seq) AS m FROM outbox',
    'SELECT max(seq) AS m FROM outbox INDEXED BY outbox_state_seq',
    'SELECT max(seq) AS m FROM outbox INDEXED BY outbox_group',
    'SELECT max(seq) AS m FROM outbox INDEXED BY sqlite_autoindex_outbox_1',
    'SELECT seq AS m FROM outbox_head WHERE id = 1',
  ];
  let highest = 0;
  for (const sql of ways) {
    try {
      const r = old.prepare(sql).get() as { m: number | null } | undefined;
      highest = Math.max(highest, r?.m ?? 0);
    } catch {
      // This way runs through the damaged page: the next may not.
    }
  }
  return highest;
}

function recount(db: Database): boolean {
  const counted = new Map(
    (db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: OutboxState; n: number }[]).map((r) => [r.state, r.n]),
  );
  const stored = new Map((db.prepare('SELECT state, n FROM outbox_counts').all() as { state: OutboxState; n: number }[]).map((r) => [r.state, r.n]));
  if (STATES.every((s) => stored.get(s) === (counted.get(s) ?? 0))) return false;
  const set = db.prepare('INSERT INTO outbox_counts (state, n) VALUES (?, ?) ON CONFLICT(state) DO UPDATE SET n = excluded.n');
  for (const s of STATES) set.run(s, counted.get(s) ?? 0);
  return true;
}

const PROBE_EVAL_ID = 'outbox-append-probe';

/**
 * Why the next record could not be queued, or null when it can: the rows an append writes (the next seq, the head
 * moved onto it) are written and rolled back, so whatever would refuse a citizen's rating refuses this first.
 */
export function appendRefusal(db: Database): string | null {
  const rollback = new Error('append probe rolled back');
  try {
    db.transaction(() => {
      const head = db.prepare('SELECT seq FROM outbox_head WHERE id = 1').get() as { seq: number } | undefined;
      const seq = (head?.seq ?? 0) + 1;
      db.prepare(
        `INSERT INTO outbox (seq, eval_id, group_id, chain_hash, payload, state, created_at, updated_at) VALUES (?, ?, NULL, ?, '{}', 'pending', 0, 0)`,
      ).run(seq, PROBE_EVAL_ID, GENESIS_CHAIN_HASH);
      db.prepare(SET_HEAD).run(seq, GENESIS_CHAIN_HASH);
      throw rollback;
    })();
  } catch (err) {
    return err === rollback ? null : err instanceof Error ? err.message : String(err);
  }
  return null;
}
