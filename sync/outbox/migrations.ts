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

/**
 * Running counts per state, kept by triggers in the same transaction as every change to the outbox, so the queue
 * figures a rating, a view and a heartbeat read cost the same at 1,000 records as at 200,000 (issue 11: the old
 * SUM over the whole table was a third of the terminal's busy time). Filled from the rows already there.
 */
export function outboxCounts(db: Database): void {
  db.exec(`
        CREATE TABLE outbox_counts (
          state  TEXT PRIMARY KEY CHECK (state IN ('held','pending','in-flight','accepted','duplicate','rejected')),
          n      INTEGER NOT NULL
        ) STRICT;
        INSERT INTO outbox_counts (state, n)
          SELECT s.column1, (SELECT COUNT(*) FROM outbox WHERE state = s.column1)
          FROM (VALUES ('held'), ('pending'), ('in-flight'), ('accepted'), ('duplicate'), ('rejected')) AS s;
        CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox BEGIN
          UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
        END;
        CREATE TRIGGER outbox_counts_update AFTER UPDATE OF state ON outbox WHEN OLD.state <> NEW.state BEGIN
          UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
          UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
        END;
        CREATE TRIGGER outbox_counts_delete AFTER DELETE ON outbox BEGIN
          UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
        END;
      `);
}
