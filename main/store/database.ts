import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirError } from './errors.js';
import { privateDir, privateFile, tightenIfPresent } from '../util/private-files.js';
import { salvageInto, type TableSalvage } from './salvage.js';
import { appendRefusal, highestSeqIn, rebuildOutboxDerived, type OutboxRebuild } from '../../sync/outbox/derived.js';
import { activeMigrations, checkMigrationList, MIN_READER, type Migration } from './migrations/index.js';

export const DB_FILE = 'hcp-terminal.db';

export interface OpenedDatabase {
  db: Database.Database;
  /** Set when the integrity check failed and the old file was moved aside. */
  recoveredFrom: string | null;
  /** Per table of the damaged file: rows kept and lost (empty when nothing was damaged). */
  salvaged: TableSalvage[];
  /** What was set right in the tables derived from rows (the queue's head and counts): after a salvage, or a head left behind. */
  rebuilt: OutboxRebuild;
  /** Why no rating could be stored in this database, tried at the start; null when one can (as it always should). */
  appendRefused: string | null;
}

export function ensureWritableDir(dataDir: string): void {
  try {
    privateDir(dataDir);
    accessSync(dataDir, constants.W_OK | constants.R_OK);
  } catch (err) {
    throw new DataDirError(`data directory ${dataDir} is not writable: ${(err as Error).message}`, 'not-writable');
  }
}

/** Opens (creating or migrating) the terminal's database with the durability settings the product promises. */
export function openDatabase(dataDir: string, list: readonly Migration[] = activeMigrations()): OpenedDatabase {
  checkMigrationList(list);
  const path = join(dataDir, DB_FILE);
  let recoveredFrom: string | null = null;
  let db = connect(path);
  if (!passesQuickCheck(db)) {
    db.close();
    recoveredFrom = moveAside(path);
    db = connect(path);
    migrate(db, list);
    const fresh = db;
    const salvaged = salvageInto(db, recoveredFrom, (old) => salvageableTables(old, fresh));
    // Rows were copied as they could be read: every table derived from them is set right from the rows kept.
    const rebuilt = rebuildOutboxDerived(db, { counts: true, given: readDamaged(recoveredFrom, highestSeqIn, 0) });
    return { db, recoveredFrom, salvaged, rebuilt, appendRefused: appendRefusal(db) };
  }
  migrate(db, list);
  // A head a salvage by an older release left behind its records (issue 24) is set right at the next start.
  const rebuilt = rebuildOutboxDerived(db, { counts: false });
  return { db, recoveredFrom, salvaged: [], rebuilt, appendRefused: appendRefusal(db) };
}

/** Read-only access for `hcp-terminal status` while a terminal may be running. */
export function openReadOnly(dataDir: string): Database.Database | null {
  const path = join(dataDir, DB_FILE);
  if (!existsSync(path)) return null;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 2000');
  return db;
}

function connect(path: string): Database.Database {
  let db: Database.Database;
  try {
    // Ratings, names (sealed) and the queue: 0600, and SQLite gives its -wal and -shm the same mode.
    privateFile(path);
    for (const ext of ['-wal', '-shm']) tightenIfPresent(path + ext, 0o600);
    db = new Database(path);
  } catch (err) {
    throw new DataDirError(`cannot open ${path}: ${(err as Error).message}`, 'not-writable');
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    // A file that is not a database at all fails here; treat it as failing the integrity check.
    if (/not a database|malformed/i.test((err as Error).message)) return db;
    throw err;
  }
  return db;
}

function passesQuickCheck(db: Database.Database): boolean {
  try {
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    return rows.length === 1 && rows[0]?.quick_check === 'ok';
  } catch {
    return false;
  }
}

/** Where the database records the oldest schema that can read it (Chromium's `last_compatible_version`). */
export const MIN_READER_KEY = 'schema.minReader';

/** The database's own minReader: null for a database written before the rule (then only its own version can read it). */
export function readMinReader(db: Database.Database): number | null {
  try {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(MIN_READER_KEY) as { value: string } | undefined;
    const n: unknown = row ? JSON.parse(row.value) : null;
    return typeof n === 'number' && Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

function migrate(db: Database.Database, list: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > list.length) {
    // A newer release wrote this database (and a rollback brought this one back): readable when it says so.
    const minReader = readMinReader(db);
    if (minReader !== null && minReader <= list.length) return;
    throw new DataDirError(
      `database schema version ${current} is newer than this software (${list.length}) and needs schema ${minReader ?? current} or later to read it; refusing to open it`,
      'too-new',
    );
  }
  for (const m of list.slice(current)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  if (list.length >= 1) {
    const recorded = readMinReader(db);
    const minReader = Math.max(recorded ?? 0, Math.min(MIN_READER, list.length));
    if (recorded !== minReader) {
      db.prepare(
        'INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ).run(MIN_READER_KEY, JSON.stringify(minReader), Date.now());
    }
  }
}

/** Every table of the damaged file that the new schema also has, read from sqlite_schema: no list to keep in step. */
function salvageableTables(old: Database.Database, fresh: Database.Database): string[] {
  const names = (d: Database.Database) => {
    try {
      return (d.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid`).all() as { name: string }[]).map(
        (r) => r.name,
      );
    } catch {
      return [];
    }
  };
  const current = new Set(names(fresh));
  const found = names(old).filter((n) => current.has(n));
  // A page of sqlite_schema itself may be what broke: then try every table of the current schema.
  return found.length ? found : [...current];
}

/** Reads something from the damaged file (read-only), or gives `fallback` when it cannot be opened at all. */
function readDamaged<T>(path: string, read: (old: Database.Database) => T, fallback: T): T {
  let old: Database.Database;
  try {
    old = new Database(path, { readonly: true });
  } catch {
    return fallback;
  }
  try {
    return read(old);
  } catch {
    return fallback;
  } finally {
    old.close();
  }
}

function moveAside(path: string): string {
  const aside = `${path}.corrupt-${Date.now()}`;
  try {
    renameSync(path, aside);
    for (const ext of ['-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
  } catch (err) {
    throw new DataDirError(`database failed its integrity check and could not be moved aside: ${(err as Error).message}`, 'corrupt');
  }
  return aside;
}
