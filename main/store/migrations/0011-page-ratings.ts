import type { Migration } from './migration.js';

/**
 * Page mode (province-page.md): the terminal's note of ratings the province holds from its own page. Outside the
 * outbox on purpose: no seq, no chain hash, never uploaded or exported; one row per session (a late answer is not a
 * second rating). No foreign key to `sessions`: a salvage that loses a session's page keeps its note.
 */
export const m0011PageRatings: Migration = {
  version: 11,
  name: 'page_ratings',
  up(db) {
    db.exec(`CREATE TABLE page_ratings (
      session_id TEXT PRIMARY KEY,
      staff_id TEXT NOT NULL,
      satisfaction INTEGER NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
      eval_id TEXT,
      rated_at INTEGER NOT NULL
    ) STRICT`);
  },
};
