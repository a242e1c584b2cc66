import { openReadOnly, readMinReader } from '../store/database.js';

/** The shared database's schema version and the oldest schema that can read it; null when there is no database yet. */
export interface DatabaseSchema {
  version: number;
  minReader: number;
}

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

/** Why `target` (a release's schema) cannot run on this database, or null when it can. */
export function schemaBlocks(target: { writes: number } | null, db: DatabaseSchema | null): string | null {
  if (!db || !target) return null;
  if (target.writes < db.minReader) {
    return `its schema ${String(target.writes)} is below the database's minReader ${String(db.minReader)}: it could not read the ratings stored since`;
  }
  return null;
}
