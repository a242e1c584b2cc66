import type { Database } from 'better-sqlite3';

/**
 * The outbox's schema steps, each registered by the host application at a version of its own and run inside its
 * migration transaction. Add a new exported step; never change one that shipped (its SQL text is in every
 * terminal's sqlite_schema). The outbox_head row keeps the last seq and chain hash after old rows are purged,
 * so numbering never restarts.
 */
export function createOutbox(db: Database): void {
  db.exec(`
        CREATE TABLE outbox (
          seq         INTEGER PRIMARY KEY,
          eval_id     TEXT NOT NULL UNIQUE,
          group_id    TEXT,
          chain_hash  TEXT NOT NULL,
          payload     TEXT NOT NULL,
          state       TEXT NOT NULL CHECK (state IN ('held','pending','in-flight','accepted','duplicate','rejected')),
          attempts    INTEGER NOT NULL DEFAULT 0,
          last_code   TEXT,
          last_error  TEXT,
          created_at  INTEGER NOT NULL,
          updated_at  INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX outbox_state_seq ON outbox (state, seq);
        CREATE INDEX outbox_group ON outbox (group_id);
        CREATE TABLE outbox_head (
          id          INTEGER PRIMARY KEY CHECK (id = 1),
          seq         INTEGER NOT NULL,
          chain_hash  TEXT NOT NULL
        ) STRICT;
      `);
}
