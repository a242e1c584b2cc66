import type { Migration } from './migration.js';

/** Every technician entry, exit, failed PIN and change: who, when, what, old → new. Kept 180 days. */
export const m0006AuditLog: Migration = {
  version: 6,
  name: 'audit_log',
  up(db) {
    db.exec(`
      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        detail  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log (at);
    `);
  },
};
