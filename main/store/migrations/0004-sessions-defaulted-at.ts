import type { Migration } from './migration.js';

export const m0004SessionsDefaultedAt: Migration = {
  version: 4,
  name: 'sessions.defaulted_at',
  up(db) {
    db.exec(`ALTER TABLE sessions ADD COLUMN defaulted_at INTEGER; CREATE INDEX sessions_unrated_closed ON sessions (status, closed_at);`);
  },
};
