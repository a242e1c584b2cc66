import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { readForeignBundle } from '../export-bundle.js';
import type { RecordResult } from '../province/adapter.js';
import { checkForeignBundle, type ImporterKnowledge } from './bundle-check.js';

export interface PendingBundle {
  /** SM3 of the bundle's canonical text (what identifies it here). */
  bundleId: string;
  signature: string;
  originTerminal: string;
  body: string;
  evalIds: string[];
  /** Refusals so far that a retry might still fix. */
  refusals: number;
  attempts: number;
  /** The places (in `evalIds`) of the records the province has not judged yet, in order: a relay resumes at the first. */
  unjudged: number[];
}

/**
 * `rejected`: a dead letter, waiting for a technician; `set-aside`: a technician put it aside, it is never sent;
 * `held`: this terminal cannot verify it where the province will not either (gov-form), so it is never relayed.
 */
export type BundleState = 'pending' | 'done' | 'rejected' | 'set-aside' | 'held';

export interface BundleSummary {
  bundleId: string;
  signature: string;
  originTerminal: string;
  records: number;
  state: BundleState;
  attempts: number;
  accepted: number | null;
  duplicate: number | null;
  rejected: number | null;
  lastCode: string | null;
  lastError: string | null;
  importedAt: number;
  /** Records the province has answered so far (all of them once done). */
  judged: number;
}

/** `held`: why the bundle is kept but not relayed (null: it goes). */
export type ImportOutcome =
  { ok: true; bundleId: string; signature: string; records: number; isNew: boolean; held: string | null } | { ok: false; error: string };

interface Row {
  bundle_id: string;
  signature: string;
  origin_terminal: string;
  record_count: number;
  eval_ids: string;
  body: string;
  state: BundleState;
  attempts: number;
  refusals: number;
  accepted: number | null;
  duplicate: number | null;
  rejected: number | null;
  last_code: string | null;
  last_error: string | null;
  imported_at: number;
  judged?: number;
}

/** A wait set under a clock that has since been corrected never holds a bundle longer than the backoff's cap, twice. */
const MAX_WAIT_MS = 600_000;

const NOBODY: ImporterKnowledge = { terminalId: null, secretOf: () => null };

/** A bundle's row with how many of its records have their verdict. */
const WITH_JUDGED = `*, (SELECT COUNT(*) FROM relay_verdicts v WHERE v.bundle_id = relay_bundles.bundle_id) AS judged FROM relay_bundles`;

/** `last_code` of a held bundle. */
const HELD = 'UNVERIFIED';

/**
 * Other terminals' bundles this terminal relays for them: stored durably before anything is acknowledged, relayed
 * oldest first, once. A bundle is known by its content (SM3 of its canonical text): the same file imported again
 * adds nothing, a changed copy is another bundle and does not shut the genuine one out.
 */
export class BundleQueue {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks a bundle file's text (and what this terminal can verify of it) and stores it for relay. */
  add(text: string, importer: ImporterKnowledge = NOBODY): ImportOutcome {
    const b = readForeignBundle(text);
    if (!b.ok) return b;
    const verdict = checkForeignBundle(b, importer);
    if (verdict && 'refuse' in verdict) return { ok: false, error: verdict.refuse };
    const hold = verdict?.hold ?? null;
    const t = this.now();
    const changes = this.db
      .prepare(
        `INSERT OR IGNORE INTO relay_bundles (bundle_id, signature, origin_terminal, record_count, eval_ids, body, state, last_code, last_error, imported_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        b.bundleId,
        b.signature,
        b.terminalId,
        b.evalIds.length,
        JSON.stringify(b.evalIds),
        text,
        hold ? 'held' : 'pending',
        hold && HELD,
        hold,
        t,
        t,
      ).changes;
    // The same file imported again says what became of it the first time.
    const held = changes === 1 ? hold : this.get(b.bundleId)?.state === 'held' ? (this.get(b.bundleId)?.lastError ?? hold) : null;
    return { ok: true, bundleId: b.bundleId, signature: b.signature, records: b.evalIds.length, isNew: changes === 1, held };
  }

  /**
   * Bundles waiting or held, judged again with what this terminal knows now (at start: its dialect or credentials may
   * have changed since the import). A held one that now verifies goes; a waiting one this terminal can no longer relay
   * (now gov-form, under an app it does not hold, or with an id too long for its projectNo) is held, with the reason.
   */
  recheck(importer: ImporterKnowledge): { released: number; held: number } {
    const out = { released: 0, held: 0 };
    const rows = this.db.prepare(`SELECT bundle_id, body, state FROM relay_bundles WHERE state IN ('held','pending')`).all() as {
      bundle_id: string;
      body: string;
      state: BundleState;
    }[];
    const set = this.db.prepare(
      `UPDATE relay_bundles SET state = ?, last_code = ?, last_error = ?, retry_at = 0, updated_at = ? WHERE bundle_id = ? AND state = ?`,
    );
    for (const r of rows) {
      const b = readForeignBundle(r.body);
      const v = b.ok ? checkForeignBundle(b, importer) : { refuse: b.error };
      const why = v === null ? null : 'refuse' in v ? v.refuse : v.hold;
      if (why === null && r.state === 'held') {
        set.run('pending', null, null, this.now(), r.bundle_id, 'held');
        out.released++;
      } else if (why !== null) {
        set.run('held', HELD, why, this.now(), r.bundle_id, r.state);
        if (r.state === 'pending') out.held++;
      }
    }
    return out;
  }

  /** The oldest bundle due now; one backing off waits for its time while the terminal's own records go. */
  next(): PendingBundle | null {
    const r = this.db
      .prepare(`SELECT * FROM relay_bundles WHERE state = 'pending' AND (retry_at <= ? OR retry_at > ?) ORDER BY imported_at, bundle_id LIMIT 1`)
      .get(this.now(), this.now() + MAX_WAIT_MS) as Row | undefined;
    return r
      ? {
          bundleId: r.bundle_id,
          signature: r.signature,
          originTerminal: r.origin_terminal,
          body: r.body,
          evalIds: z.array(z.string()).parse(JSON.parse(r.eval_ids)),
          refusals: r.refusals,
          attempts: r.attempts,
          unjudged: this.unjudged(r.bundle_id, r.record_count),
        }
      : null;
  }

  private unjudged(bundleId: string, records: number): number[] {
    const judged = new Set((this.db.prepare(`SELECT idx FROM relay_verdicts WHERE bundle_id = ?`).all(bundleId) as { idx: number }[]).map((v) => v.idx));
    const out: number[] = [];
    for (let i = 0; i < records; i++) if (!judged.has(i)) out.push(i);
    return out;
  }

  /** The province's verdict on the bundle's record at `index`, kept as it arrives: that record is not sent again. */
  verdict(bundleId: string, index: number, v: RecordResult): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO relay_verdicts (bundle_id, idx, eval_id, status, code, message) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(bundleId, index, v.evalId, v.status, v.code ?? null, v.message ?? null);
  }

  /** Whether every record of the bundle has its verdict. */
  judged(bundleId: string): boolean {
    const r = this.db
      .prepare(
        `SELECT b.record_count AS n, (SELECT COUNT(*) FROM relay_verdicts v WHERE v.bundle_id = b.bundle_id) AS judged FROM relay_bundles b WHERE b.bundle_id = ?`,
      )
      .get(bundleId) as { n: number; judged: number } | undefined;
    return r !== undefined && r.judged >= r.n;
  }

  /** Part of the bundle was judged and the rest is still to go: it stays due now, its earlier failures behind it. */
  progressed(bundleId: string): void {
    this.db.prepare(`UPDATE relay_bundles SET retry_at = 0, last_error = NULL, updated_at = ? WHERE bundle_id = ?`).run(this.now(), bundleId);
  }

  /** How long until the next bundle backing off is due (null: none waits). */
  nextDueInMs(): number | null {
    const r = this.db.prepare(`SELECT MIN(retry_at) AS at FROM relay_bundles WHERE state = 'pending'`).get() as { at: number | null };
    return r.at === null ? null : Math.min(MAX_WAIT_MS, Math.max(0, r.at - this.now()));
  }

  /**
   * The province judged every record: the bundle is done; its rejected records are counted for diagnostics. `results`
   * (all the bundle's verdicts, in order) are kept first when given; otherwise the verdicts kept as they came count.
   */
  done(bundleId: string, results?: readonly RecordResult[]): void {
    this.db.transaction(() => {
      results?.forEach((r, i) => this.verdict(bundleId, i, r));
      const all = this.db.prepare(`SELECT status, code, message FROM relay_verdicts WHERE bundle_id = ? ORDER BY idx`).all(bundleId) as {
        status: RecordResult['status'];
        code: string | null;
        message: string | null;
      }[];
      const n = (s: RecordResult['status']) => all.filter((r) => r.status === s).length;
      const firstRejected = all.find((r) => r.status === 'rejected');
      this.db
        .prepare(
          `UPDATE relay_bundles SET state = 'done', attempts = attempts + 1, accepted = ?, duplicate = ?, rejected = ?, last_code = ?, last_error = ?, updated_at = ? WHERE bundle_id = ?`,
        )
        .run(n('accepted'), n('duplicate'), n('rejected'), firstRejected?.code ?? null, firstRejected?.message ?? null, this.now(), bundleId);
    })();
  }

  /** The province refused the bundle as a whole in a way no retry can fix: a dead letter, with its reason. */
  deadLetter(bundleId: string, code: string, message: string): void {
    this.db
      .prepare(`UPDATE relay_bundles SET state = 'rejected', attempts = attempts + 1, last_code = ?, last_error = ?, updated_at = ? WHERE bundle_id = ?`)
      .run(code, message, this.now(), bundleId);
  }

  /** A try that did not get through: stays pending, with the reason, not before `retryInMs`; `refused` counts a 4xx. */
  failed(bundleId: string, error: string, retryInMs: number, refused: { code: string } | null = null): void {
    const t = this.now();
    this.db
      .prepare(
        `UPDATE relay_bundles SET attempts = attempts + 1, refusals = refusals + ?, last_code = COALESCE(?, last_code), last_error = ?, retry_at = ?, updated_at = ? WHERE bundle_id = ?`,
      )
      .run(refused ? 1 : 0, refused?.code ?? null, error, t + retryInMs, t, bundleId);
  }

  /**
   * A technician's resend of a dead or set-aside bundle, or of a relayed one some of whose records the province refused
   * (their dead letters): pending again, tried at once, its refusals forgotten. Records the province already holds come
   * back as duplicates.
   */
  resend(bundleId: string): boolean {
    return this.db.transaction(() => {
      const changed =
        this.db
          .prepare(
            `UPDATE relay_bundles SET state = 'pending', refusals = 0, retry_at = 0, updated_at = ? WHERE bundle_id = ? AND (state IN ('rejected','set-aside') OR (state = 'done' AND rejected > 0))`,
          )
          .run(this.now(), bundleId).changes === 1;
      // The refused records go again; the ones the province took are not sent twice.
      if (changed) this.db.prepare(`DELETE FROM relay_verdicts WHERE bundle_id = ? AND status = 'rejected'`).run(bundleId);
      return changed;
    })();
  }

  /** A technician sets a dead or held bundle aside: kept, listed, never sent (until resent). */
  setAside(bundleId: string): boolean {
    return (
      this.db
        .prepare(`UPDATE relay_bundles SET state = 'set-aside', updated_at = ? WHERE bundle_id = ? AND state IN ('rejected','held')`)
        .run(this.now(), bundleId).changes === 1
    );
  }

  get(bundleId: string): BundleSummary | null {
    const r = this.db.prepare(`SELECT ${WITH_JUDGED} WHERE bundle_id = ?`).get(bundleId) as Row | undefined;
    return r ? summary(r) : null;
  }

  list(): BundleSummary[] {
    return (this.db.prepare(`SELECT ${WITH_JUDGED} ORDER BY imported_at`).all() as Row[]).map(summary);
  }

  /**
   * The bundles whose records the province has not all taken (waiting, refused, set aside, or done with refused
   * records), each as the file it was imported from, with how many of its records are not taken.
   */
  unsent(): { bundle: BundleSummary; body: string; unsentRecords: number }[] {
    const rows = this.db.prepare(`SELECT ${WITH_JUDGED} WHERE state != 'done' OR COALESCE(rejected, 0) > 0 ORDER BY imported_at, bundle_id`).all() as Row[];
    const taken = this.db.prepare(`SELECT COUNT(*) AS n FROM relay_verdicts WHERE bundle_id = ? AND status != 'rejected'`);
    return rows.map((r) => ({
      bundle: summary(r),
      body: r.body,
      unsentRecords: r.state === 'done' ? (r.rejected ?? 0) : r.record_count - (taken.get(r.bundle_id) as { n: number }).n,
    }));
  }
}

function summary(r: Row): BundleSummary {
  return {
    bundleId: r.bundle_id,
    signature: r.signature,
    originTerminal: r.origin_terminal,
    records: r.record_count,
    state: r.state,
    attempts: r.attempts,
    accepted: r.accepted,
    duplicate: r.duplicate,
    rejected: r.rejected,
    lastCode: r.last_code,
    lastError: r.last_error,
    importedAt: r.imported_at,
    judged: r.judged ?? 0,
  };
}
