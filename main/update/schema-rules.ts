/** The shared database's schema version and the oldest schema that can read it (main/store/schema-info.ts reads them). */
export interface DatabaseSchema {
  version: number;
  minReader: number;
}

/** Why a release of schema `target` cannot run on this database, or null when it can. */
export function schemaBlocks(target: { writes: number } | null, db: DatabaseSchema | null): string | null {
  if (!db || !target) return null;
  if (target.writes < db.minReader) {
    return `its schema ${String(target.writes)} is below the database's minReader ${String(db.minReader)}: it could not read the ratings stored since`;
  }
  return null;
}
