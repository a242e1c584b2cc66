import type { Database } from 'better-sqlite3';
import { outboxMigrations } from '../../../sync/outbox/migrations.js';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}

/** Forward-only, one transaction each; `user_version` records the last applied. Append, never edit. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'meta',
    up(db) {
      db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;`);
    },
  },
  {
    version: 2,
    name: 'sessions',
    up(db) {
      db.exec(`
        CREATE TABLE sessions (
          session_id    TEXT PRIMARY KEY,
          status        TEXT NOT NULL CHECK (status IN ('inviting','rated','unrated','cancelled')),
          staff_id      TEXT NOT NULL,
          staff_name    TEXT NOT NULL,
          opened_at     INTEGER NOT NULL,
          expires_at    INTEGER NOT NULL,
          mode          TEXT NOT NULL CHECK (mode IN ('combined','per-item')),
          project_no    TEXT,
          items         TEXT NOT NULL,
          applicant     TEXT,
          qr_url        TEXT NOT NULL,
          satisfaction  INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
          eval_detail   TEXT,
          pf            TEXT,
          rated_at      INTEGER,
          closed_at     INTEGER
        ) STRICT;
        CREATE INDEX sessions_staff_rated ON sessions (staff_id, rated_at);
        CREATE INDEX sessions_status ON sessions (status);
      `);
    },
  },
  ...outboxMigrations.map((m, i) => ({ version: 3 + i, name: m.name, up: m.up })),
  {
    version: 3 + outboxMigrations.length,
    name: 'sessions.defaulted_at',
    up(db) {
      db.exec(`ALTER TABLE sessions ADD COLUMN defaulted_at INTEGER; CREATE INDEX sessions_unrated_closed ON sessions (status, closed_at);`);
    },
  },
];

export function checkMigrationList(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}
