import type { Migration } from './migration.js';

export const m0002Sessions: Migration = {
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
};
