import type { Database } from 'better-sqlite3';
import { sm3Hex } from '../crypto/gm.js';
import { readForeignBundle } from '../export-bundle.js';

/**
 * Bundles another terminal exported, waiting to be relayed to the province (province-api v1.1). The body is kept
 * exactly as that terminal wrote it: its signature covers it. Registered by the host at a version of its own.
 */
export function createRelayBundles(db: Database): void {
  db.exec(`
    CREATE TABLE relay_bundles (
      signature        TEXT PRIMARY KEY,
      origin_terminal  TEXT NOT NULL,
      record_count     INTEGER NOT NULL,
      eval_ids         TEXT NOT NULL,
      body             TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('pending','done','rejected')),
      attempts         INTEGER NOT NULL DEFAULT 0,
      accepted         INTEGER,
      duplicate        INTEGER,
      rejected         INTEGER,
      last_code        TEXT,
      last_error       TEXT,
      imported_at      INTEGER NOT NULL,
      updated_at       INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX relay_bundles_state ON relay_bundles (state, imported_at);
  `);
}

/**
 * Issue 15: a bundle is known by its content (SM3 of its canonical text), not by the signature it claims, so a
 * changed copy and the genuine file are two rows; a technician may set a dead bundle aside; a bundle backing off
 * has a time of its own (`retry_at`) so that the terminal's own records go meanwhile; `refusals` counts the 4xx
 * answers a retry might still fix. The table is rebuilt (SQLite cannot change a primary key); every row is kept.
 */
export function rekeyRelayBundles(db: Database): void {
  db.exec(`
    CREATE TABLE relay_bundles_new (
      bundle_id        TEXT PRIMARY KEY,
      signature        TEXT NOT NULL,
      origin_terminal  TEXT NOT NULL,
      record_count     INTEGER NOT NULL,
      eval_ids         TEXT NOT NULL,
      body             TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('pending','done','rejected','set-aside')),
      attempts         INTEGER NOT NULL DEFAULT 0,
      refusals         INTEGER NOT NULL DEFAULT 0,
      accepted         INTEGER,
      duplicate        INTEGER,
      rejected         INTEGER,
      last_code        TEXT,
      last_error       TEXT,
      retry_at         INTEGER NOT NULL DEFAULT 0,
      imported_at      INTEGER NOT NULL,
      updated_at       INTEGER NOT NULL
    ) STRICT;
  `);
  const rows = db.prepare(`SELECT signature, body FROM relay_bundles`).all() as { signature: string; body: string }[];
  const copy = db.prepare(
    `INSERT OR IGNORE INTO relay_bundles_new (bundle_id, signature, origin_terminal, record_count, eval_ids, body, state, attempts, accepted, duplicate, rejected, last_code, last_error, imported_at, updated_at)
     SELECT ?, signature, origin_terminal, record_count, eval_ids, body, state, attempts, accepted, duplicate, rejected, last_code, last_error, imported_at, updated_at
     FROM relay_bundles WHERE signature = ?`,
  );
  for (const r of rows) {
    const b = readForeignBundle(r.body);
    // A stored body that no longer reads as a bundle keeps a content id all the same: SM3 of its bytes.
    copy.run(b.ok ? b.bundleId : sm3Hex(r.body), r.signature);
  }
  db.exec(`
    DROP TABLE relay_bundles;
    ALTER TABLE relay_bundles_new RENAME TO relay_bundles;
    CREATE INDEX relay_bundles_state ON relay_bundles (state, retry_at, imported_at);
  `);
}

/**
 * Issue 24: a relay keeps each record's verdict as it arrives (`relay_verdicts`, by the record's place in the bundle),
 * so a per-record dialect resumes from the first record without one, after a failure or a restart; and a bundle this
 * terminal cannot verify where the province never sees its signature (gov-form) is `held` for a technician, never
 * relayed. The table is rebuilt for the wider state check (SQLite cannot change one); every row is kept as it was.
 */
export function relayVerdictsAndHold(db: Database): void {
  db.exec(`
    CREATE TABLE relay_bundles_new (
      bundle_id        TEXT PRIMARY KEY,
      signature        TEXT NOT NULL,
      origin_terminal  TEXT NOT NULL,
      record_count     INTEGER NOT NULL,
      eval_ids         TEXT NOT NULL,
      body             TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('pending','done','rejected','set-aside','held')),
      attempts         INTEGER NOT NULL DEFAULT 0,
      refusals         INTEGER NOT NULL DEFAULT 0,
      accepted         INTEGER,
      duplicate        INTEGER,
      rejected         INTEGER,
      last_code        TEXT,
      last_error       TEXT,
      retry_at         INTEGER NOT NULL DEFAULT 0,
      imported_at      INTEGER NOT NULL,
      updated_at       INTEGER NOT NULL
    ) STRICT;
    INSERT INTO relay_bundles_new (bundle_id, signature, origin_terminal, record_count, eval_ids, body, state, attempts, refusals, accepted, duplicate, rejected, last_code, last_error, retry_at, imported_at, updated_at)
      SELECT bundle_id, signature, origin_terminal, record_count, eval_ids, body, state, attempts, refusals, accepted, duplicate, rejected, last_code, last_error, retry_at, imported_at, updated_at FROM relay_bundles;
    DROP TABLE relay_bundles;
    ALTER TABLE relay_bundles_new RENAME TO relay_bundles;
    CREATE INDEX relay_bundles_state ON relay_bundles (state, retry_at, imported_at);
    CREATE TABLE relay_verdicts (
      bundle_id  TEXT NOT NULL,
      idx        INTEGER NOT NULL,
      eval_id    TEXT NOT NULL,
      status     TEXT NOT NULL CHECK (status IN ('accepted','duplicate','rejected')),
      code       TEXT,
      message    TEXT,
      PRIMARY KEY (bundle_id, idx)
    ) STRICT, WITHOUT ROWID;
  `);
}
