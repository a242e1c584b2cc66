import type { Database } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { newRecord } from '../helpers/fixtures.js';

const DAY = 86_400_000;

/**
 * 90 days of a busy window, written straight into the tables as the terminal would have left them: rated sessions,
 * their accepted records (seq, chain head), spread evenly up to now. Fast: one transaction.
 */
export function history(db: Database, now: number, n: number): void {
  const payload = JSON.stringify(newRecord({ writingEvaluation: '办事效率高，态度很好'.repeat(4) }));
  const session = db.prepare(
    `INSERT INTO sessions (session_id, status, staff_id, staff_name, opened_at, expires_at, mode, items, qr_url, satisfaction, pf, rated_at, closed_at)
     VALUES (?, 'rated', 'SM0012', '张三', ?, ?, 'combined', '[]', '', ?, '4', ?, ?)`,
  );
  const outbox = db.prepare(
    `INSERT INTO outbox (seq, eval_id, group_id, chain_hash, payload, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'accepted', ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      const at = now - 90 * DAY + Math.floor((i * 90 * DAY) / (n + 1));
      const id = randomUUID();
      session.run(id, at - 20_000, at + 10_000, 1 + (i % 5), at, at);
      outbox.run(i, randomUUID(), id, 'ab'.repeat(32), payload, at, at);
    }
    db.prepare(`INSERT OR REPLACE INTO outbox_head (id, seq, chain_hash) VALUES (1, ?, ?)`).run(n, 'ab'.repeat(32));
  })();
  // A terminal that wrote these over 90 days checkpointed as it went: no 100 MB WAL waiting to be folded in.
  db.pragma('wal_checkpoint(TRUNCATE)');
}
