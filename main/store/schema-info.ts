import { openReadOnly, readMinReader } from './database.js';

import type { DatabaseSchema } from '../update/schema-rules.js';

/** The shared database's schema version and the oldest schema that can read it; null when there is no database yet. */
export function readDatabaseSchema(dataDir: string | undefined): DatabaseSchema | null {
  if (!dataDir) return null;
  let db;
  try {
    db = openReadOnly(dataDir);
  } catch {
    return null;
  }
  if (!db) return null;
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    // A database from before the rule is readable only by its own schema.
    return { version, minReader: readMinReader(db) ?? version };
  } finally {
    db.close();
  }
}
