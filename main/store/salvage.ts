import Database from 'better-sqlite3';

/** What salvage made of one table of the damaged file. */
export interface TableSalvage {
  table: string;
  /** Rows copied into the new database. */
  kept: number;
  /**
   * Rowids inside damaged ranges, between rows that could still be read: the rows lost, for the tables numbered
   * without gaps (outbox, audit_log, relay_bundles); an upper bound for the others.
   */
  lost: number;
  /** The table's end could not be read: rows after the last readable one may be lost too, and cannot be counted. */
  tailUnreadable: boolean;
  /** The table could not be read at all (its root page is what broke). */
  unreadable: boolean;
}

/** A damaged leaf past the last readable row is probed this far, then given up on as the table's unreadable end. */
const BLIND_PROBES = 10_000;
const ROWID = '__salvage_rowid';
type Row = Record<string, unknown>;

/**
 * Copies every row of the damaged file that can still be read into the new one. A table is scanned in rowid order;
 * where the scan meets a damaged page, rowids are looked up one by one (each lookup descends the b-tree on its own,
 * so only the keys that live on the damaged page fail) until a lookup succeeds again, and the scan resumes there.
 * One bad page costs the rows on that page, not the table (issue 15: one leaf lost a 2,000-row outbox).
 */
export function salvageInto(db: Database.Database, damaged: string, tables: (old: Database.Database) => string[]): TableSalvage[] {
  let old: Database.Database;
  try {
    old = new Database(damaged, { readonly: true });
  } catch {
    return [];
  }
  try {
    return tables(old).map((table) => db.transaction(() => salvageTable(old, db, table))());
  } finally {
    old.close();
  }
}

function salvageTable(old: Database.Database, db: Database.Database, table: string): TableSalvage {
  const result: TableSalvage = { table, kept: 0, lost: 0, tailUnreadable: false, unreadable: false };
  let scan: Database.Statement;
  let lookup: Database.Statement;
  const insert = inserter(db, table);
  const keep = (row: Row) => {
    if (insert(row)) result.kept++;
  };
  try {
    scan = old.prepare(`SELECT rowid AS "${ROWID}", * FROM "${table}" WHERE rowid > ? ORDER BY rowid`);
    lookup = old.prepare(`SELECT rowid AS "${ROWID}", * FROM "${table}" WHERE rowid = ?`);
  } catch {
    return withoutRowid(old, table, keep, result);
  }
  const last = lastRowid(old, table);
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    try {
      for (const row of scan.iterate(after) as IterableIterator<Row>) {
        after = Number(row[ROWID]);
        keep(row);
      }
      return result;
    } catch {
      // A damaged page lies after `after`: step over it key by key.
    }
    let failed = 0;
    let r = after === Number.MIN_SAFE_INTEGER ? 0 : after;
    for (;;) {
      r++;
      if (last !== null ? r > last : failed >= BLIND_PROBES) {
        if (last === null) result.tailUnreadable = true;
        else result.lost += failed;
        return result;
      }
      let row: Row | undefined;
      try {
        row = lookup.get(r) as Row | undefined;
      } catch {
        failed++;
        continue;
      }
      // A lookup that reads its page again (row or no row) is past the damage: count it and resume the scan.
      result.lost += failed;
      if (row) keep(row);
      after = r;
      break;
    }
  }
}

/**
 * A table WITHOUT ROWID (relay_verdicts) has no rowid to step over a damaged page by: it is read in its key's order up
 * to the damage, and the rest counts as its unreadable end. Its rows are verdicts kept to save resending: one lost
 * means that record goes to the province again, answered as a duplicate.
 */
function withoutRowid(old: Database.Database, table: string, keep: (row: Row) => void, result: TableSalvage): TableSalvage {
  try {
    for (const row of old.prepare(`SELECT * FROM "${table}"`).iterate() as IterableIterator<Row>) keep(row);
    return result;
  } catch {
    return result.kept === 0 ? { ...result, unreadable: true } : { ...result, tailUnreadable: true };
  }
}

/** The table's largest rowid, when its right edge can be read; null when that is what broke. */
function lastRowid(old: Database.Database, table: string): number | null {
  try {
    const v = old.prepare(`SELECT max(rowid) AS m FROM "${table}"`).get() as { m: number | null } | undefined;
    return v?.m ?? 0;
  } catch {
    return null;
  }
}

/** Inserts a salvaged row; false for one the current schema does not take (it stays in the damaged file). */
function inserter(db: Database.Database, table: string): (row: Row) => boolean {
  const statements = new Map<string, Database.Statement>();
  return (row) => {
    const cols = Object.keys(row).filter((c) => c !== ROWID);
    const key = cols.join('\u0000');
    try {
      let stmt = statements.get(key);
      if (!stmt) {
        stmt = db.prepare(`INSERT OR IGNORE INTO "${table}" (${cols.map((c) => `"${c}"`).join(',')}) VALUES (${cols.map(() => '?').join(',')})`);
        statements.set(key, stmt);
      }
      return stmt.run(...cols.map((c) => row[c])).changes > 0;
    } catch {
      return false;
    }
  };
}
