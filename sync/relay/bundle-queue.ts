import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { readForeignBundle } from '../export-bundle.js';
import type { RecordResult } from '../province/adapter.js';

export interface PendingBundle {
  signature: string;
  originTerminal: string;
  body: string;
  evalIds: string[];
}

export interface BundleSummary {
  signature: string;
  originTerminal: string;
  records: number;
  state: 'pending' | 'done' | 'rejected';
  attempts: number;
  accepted: number | null;
  duplicate: number | null;
  rejected: number | null;
  lastCode: string | null;
  lastError: string | null;
  importedAt: number;
}

export type ImportOutcome = { ok: true; signature: string; records: number; isNew: boolean } | { ok: false; error: string };

interface Row {
  signature: string;
  origin_terminal: string;
  record_count: number;
  eval_ids: string;
  body: string;
  state: BundleSummary['state'];
  attempts: number;
  accepted: number | null;
  duplicate: number | null;
  rejected: number | null;
  last_code: string | null;
  last_error: string | null;
  imported_at: number;
}

/**
 * Other terminals' bundles this terminal relays for them: stored durably before anything is acknowledged, relayed
 * oldest first, once. The same bundle imported again (same signature) adds nothing.
 */
export class BundleQueue {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks a bundle file's text and stores it for relay. */
  add(text: string): ImportOutcome {
    const b = readForeignBundle(text);
    if (!b.ok) return b;
    const t = this.now();
    const changes = this.db
      .prepare(
        `INSERT OR IGNORE INTO relay_bundles (signature, origin_terminal, record_count, eval_ids, body, state, imported_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(b.signature, b.terminalId, b.evalIds.length, JSON.stringify(b.evalIds), text, t, t).changes;
    return { ok: true, signature: b.signature, records: b.evalIds.length, isNew: changes === 1 };
  }

  next(): PendingBundle | null {
    const r = this.db.prepare(`SELECT * FROM relay_bundles WHERE state = 'pending' ORDER BY imported_at, signature LIMIT 1`).get() as Row | undefined;
    return r ? { signature: r.signature, originTerminal: r.origin_terminal, body: r.body, evalIds: z.array(z.string()).parse(JSON.parse(r.eval_ids)) } : null;
  }

  /** The province judged every record: the bundle is done; its rejected records are counted for diagnostics. */
  done(signature: string, results: readonly RecordResult[]): void {
    const n = (s: RecordResult['status']) => results.filter((r) => r.status === s).length;
    const firstRejected = results.find((r) => r.status === 'rejected');
    this.db
      .prepare(
        `UPDATE relay_bundles SET state = 'done', attempts = attempts + 1, accepted = ?, duplicate = ?, rejected = ?, last_code = ?, last_error = ?, updated_at = ? WHERE signature = ?`,
      )
      .run(n('accepted'), n('duplicate'), n('rejected'), firstRejected?.code ?? null, firstRejected?.message ?? null, this.now(), signature);
  }

  /** The province refused the bundle as a whole in a way no retry can fix (not a bundle, too large): dead-letter. */
  deadLetter(signature: string, code: string, message: string): void {
    this.db
      .prepare(`UPDATE relay_bundles SET state = 'rejected', attempts = attempts + 1, last_code = ?, last_error = ?, updated_at = ? WHERE signature = ?`)
      .run(code, message, this.now(), signature);
  }

  /** A try that did not get through: stays pending, with the reason. */
  failed(signature: string, error: string): void {
    this.db.prepare(`UPDATE relay_bundles SET attempts = attempts + 1, last_error = ?, updated_at = ? WHERE signature = ?`).run(error, this.now(), signature);
  }

  /** A technician's resend of a dead-lettered bundle. */
  resend(signature: string): boolean {
    return (
      this.db.prepare(`UPDATE relay_bundles SET state = 'pending', updated_at = ? WHERE signature = ? AND state = 'rejected'`).run(this.now(), signature)
        .changes === 1
    );
  }

  list(): BundleSummary[] {
    const rows = this.db.prepare(`SELECT * FROM relay_bundles ORDER BY imported_at`).all() as Row[];
    return rows.map((r) => ({
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
    }));
  }
}
