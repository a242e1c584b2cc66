import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_FILE, openDatabase } from '../../main/store/database.js';
import { checkMigrationList, migrations } from '../../main/store/migrations/index.js';
import { sm3Hex } from '../../sync/crypto/gm.js';
import { scratchDirs } from '../helpers/fixtures.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'schema');
const dir = scratchDirs();

type SchemaRow = { type: string; name: string; tbl_name: string; sql: string };

function schemaOf(db: Database.Database): SchemaRow[] {
  return db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name`).all() as SchemaRow[];
}

/** A database exactly as terminals of that version have it on disk, from the frozen fixture. */
function databaseAt(path: string, version: number): Database.Database {
  const db = new Database(join(path, DB_FILE));
  db.pragma('journal_mode = WAL');
  if (version > 0) db.exec(readFileSync(join(FIXTURES, `v${String(version).padStart(4, '0')}.sql`), 'utf8'));
  return db;
}

/** Rows a terminal of that version could have written, one per table it had. */
function fill(db: Database.Database, version: number): void {
  if (version >= 1) db.prepare(`INSERT INTO meta (key, value, updated_at) VALUES ('staff.current', '{"staffId":"SM0012","paused":false}', 1)`).run();
  if (version >= 2) {
    db.prepare(
      `INSERT INTO sessions (session_id, status, staff_id, staff_name, opened_at, expires_at, mode, items, qr_url, satisfaction, pf, rated_at, closed_at)
       VALUES ('s-1', 'rated', 'SM0012', '张三', 10, 40, 'combined', '[]', 'https://q', 4, '5', 20, 20)`,
    ).run();
  }
  if (version >= 3) {
    db.prepare(`INSERT INTO outbox (seq, eval_id, chain_hash, payload, state, created_at, updated_at) VALUES (1, 'e-1', 'ab', '{}', 'pending', 20, 20)`).run();
    db.prepare(`INSERT INTO outbox_head (id, seq, chain_hash) VALUES (1, 1, 'ab')`).run();
  }
  if (version >= 4) db.prepare(`UPDATE sessions SET defaulted_at = 30 WHERE session_id = 's-1'`).run();
  if (version >= 5 && version < 9) {
    db.prepare(
      `INSERT INTO relay_bundles (signature, origin_terminal, record_count, eval_ids, body, state, imported_at, updated_at) VALUES ('sig-1', 'T-A', 1, '["e-9"]', '{}', 'pending', 40, 40)`,
    ).run();
  }
  if (version >= 9) {
    db.prepare(
      `INSERT INTO relay_bundles (bundle_id, signature, origin_terminal, record_count, eval_ids, body, state, imported_at, updated_at) VALUES (?, 'sig-1', 'T-A', 1, '["e-9"]', '{}', 'pending', 40, 40)`,
    ).run(sm3Hex('{}'));
  }
  if (version >= 6) db.prepare(`INSERT INTO audit_log (at, actor, action, detail) VALUES (50, 'technician', 'technician.enter', '{}')`).run();
  if (version >= 7) {
    db.prepare(
      `INSERT INTO sessions (session_id, status, staff_id, staff_name, opened_at, expires_at, mode, items, qr_url, closed_at, end_reason)
       VALUES ('s-2', 'cancelled', 'SM0012', '张三', 60, 90, 'combined', '[]', 'https://q', 62, 'byPause')`,
    ).run();
  }
}

const latest = migrations.length;
const versions = Array.from({ length: latest + 1 }, (_, v) => v);

describe('schema migrations', () => {
  it('has a frozen schema fixture for every version, and replaying the migrations reproduces each one', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.sql'));
    expect(files).toHaveLength(latest);
    checkMigrationList(migrations);
    for (const v of versions.slice(1)) {
      const replayed = new Database(':memory:');
      for (const m of migrations.slice(0, v)) m.up(replayed);
      const frozen = databaseAt(dir(), v);
      // A migration edited after it shipped, or one renumbered, shows here as a difference.
      expect(schemaOf(replayed), `schema at user_version ${v}`).toEqual(schemaOf(frozen));
      frozen.close();
      replayed.close();
    }
  });

  it.each(versions)('upgrades a database at user_version %i to the latest: same schema as a fresh one, every row kept', (v) => {
    const fresh = openDatabase(dir()).db;
    const expected = schemaOf(fresh);
    fresh.close();

    const path = dir();
    const old = databaseAt(path, v);
    fill(old, v);
    old.close();

    const { db, recoveredFrom } = openDatabase(path);
    expect(recoveredFrom).toBeNull();
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(schemaOf(db)).toEqual(expected);
    if (v >= 1) expect(db.prepare(`SELECT value FROM meta WHERE key = 'staff.current'`).get()).toEqual({ value: '{"staffId":"SM0012","paused":false}' });
    if (v >= 2)
      expect(db.prepare(`SELECT status, satisfaction, rated_at FROM sessions WHERE session_id = 's-1'`).get()).toEqual({
        status: 'rated',
        satisfaction: 4,
        rated_at: 20,
      });
    if (v >= 3) expect(db.prepare(`SELECT o.state, h.seq FROM outbox o, outbox_head h WHERE o.eval_id = 'e-1'`).get()).toEqual({ state: 'pending', seq: 1 });
    if (v >= 4) expect(db.prepare(`SELECT defaulted_at FROM sessions WHERE session_id = 's-1'`).get()).toEqual({ defaulted_at: 30 });
    if (v >= 5)
      // Issue 15 re-keyed the table by content: a stored body that no longer reads as a bundle is known by SM3 of its bytes.
      expect(db.prepare(`SELECT bundle_id, origin_terminal, state, retry_at FROM relay_bundles WHERE signature = 'sig-1'`).get()).toEqual({
        bundle_id: sm3Hex('{}'),
        origin_terminal: 'T-A',
        state: 'pending',
        retry_at: 0,
      });
    if (v >= 6) expect(db.prepare(`SELECT action FROM audit_log`).get()).toEqual({ action: 'technician.enter' });
    if (v >= 7) expect(db.prepare(`SELECT end_reason FROM sessions WHERE session_id = 's-2'`).get()).toEqual({ end_reason: 'byPause' });
    // The running counts agree with the rows, whether the migration filled them or the triggers kept them.
    if (v >= 3) expect(db.prepare(`SELECT n FROM outbox_counts WHERE state = 'pending'`).get()).toEqual({ n: 1 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('refuses a list with a gap or a repeat, which would skip or re-run a step on some terminal', () => {
    const [a, b, c] = migrations;
    if (!a || !b || !c) throw new Error('expected at least three migrations');
    expect(() => checkMigrationList([a, c])).toThrow(/expected 2/);
    expect(() => checkMigrationList([a, b, b])).toThrow(/expected 3/);
  });
});
