import type { Database } from 'better-sqlite3';

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
