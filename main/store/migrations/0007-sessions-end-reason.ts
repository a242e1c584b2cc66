import type { Migration } from './migration.js';

/** How each invitation ended (timed out, or cancelled by whom), and an index to count today's by when they opened. */
export const m0007SessionsEndReason: Migration = {
  version: 7,
  name: 'sessions.end_reason',
  up(db) {
    db.exec(`ALTER TABLE sessions ADD COLUMN end_reason TEXT; CREATE INDEX sessions_opened ON sessions (opened_at);`);
  },
};
