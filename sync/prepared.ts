import type { Database, Statement } from 'better-sqlite3';

const cache = new WeakMap<Database, Map<string, Statement>>();

/**
 * A statement compiled once per database and kept: the stores run the same few SQL texts on every rating, and
 * compiling them each time was a tenth of the rating path (issue 11's profile).
 */
export function prepared(db: Database, sql: string): Statement {
  let stmts = cache.get(db);
  if (!stmts) {
    stmts = new Map<string, Statement>();
    cache.set(db, stmts);
  }
  let s = stmts.get(sql);
  if (!s) stmts.set(sql, (s = db.prepare(sql)));
  return s;
}
