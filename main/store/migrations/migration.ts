import type { Database } from 'better-sqlite3';

/** One schema step. Its version is a literal, written once; the step is never edited after it shipped. */
export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}
