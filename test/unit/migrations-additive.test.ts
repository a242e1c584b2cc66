import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_FILE, MIN_READER_KEY, openDatabase, readMinReader } from '../../main/store/database.js';
import { DataDirError } from '../../main/store/errors.js';
import { migrations, MIN_READER } from '../../main/store/migrations/index.js';
import { testExtraMigration } from '../../main/store/migrations/test-extra.js';
import { scratchDirs } from '../helpers/fixtures.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'schema');
const dir = scratchDirs();

/** table → column → declared type, for every table of a database. */
function columnsOf(db: Database.Database): Map<string, Map<string, string>> {
  const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[];
  return new Map(
    tables.map(({ name }) => [name, new Map((db.pragma(`table_info("${name}")`) as { name: string; type: string }[]).map((c) => [c.name, c.type]))]),
  );
}

function fixture(file: string): Map<string, Map<string, string>> {
  const db = new Database(':memory:');
  db.exec(readFileSync(join(FIXTURES, file), 'utf8'));
  const cols = columnsOf(db);
  db.close();
  return cols;
}

/** What the newer schema lost of the older one: a dropped table, a dropped or renamed column, a changed type. */
function losses(older: Map<string, Map<string, string>>, newer: Map<string, Map<string, string>>): string[] {
  const out: string[] = [];
  for (const [table, cols] of older) {
    const next = newer.get(table);
    if (!next) {
      out.push(`table ${table} dropped or renamed`);
      continue;
    }
    for (const [col, type] of cols) {
      if (!next.has(col)) out.push(`${table}.${col} dropped or renamed`);
      else if (next.get(col) !== type) out.push(`${table}.${col} changed type ${type} → ${String(next.get(col))}`);
    }
  }
  return out;
}

describe('migrations only add (docs/architecture.md): an older release still reads a newer database', () => {
  const files = readdirSync(FIXTURES)
    .filter((f) => /^v\d{4}\.sql$/.test(f))
    .sort();

  it.each(files.slice(0, -1).map((f, i) => [f, files[i + 1] ?? ''] as const))('%s → %s drops and renames nothing', (a, b) => {
    expect(losses(fixture(a), fixture(b))).toEqual([]);
  });

  it('the newest fixture → the current migrations (and the test hook’s extra step) drop and rename nothing', () => {
    const last = files.at(-1) ?? '';
    const d = dir();
    const { db } = openDatabase(d, [...migrations, testExtraMigration(migrations.length + 1)]);
    expect(losses(fixture(last), columnsOf(db))).toEqual([]);
    db.close();
  });

  it('the check itself fails on a migration that renames a column', () => {
    const db = new Database(':memory:');
    db.exec(readFileSync(join(FIXTURES, files.at(-1) ?? ''), 'utf8'));
    db.exec('ALTER TABLE outbox RENAME COLUMN payload TO body');
    expect(losses(fixture(files.at(-1) ?? ''), columnsOf(db))).toEqual(['outbox.payload dropped or renamed']);
  });
});

describe('minReader: the oldest schema that can read the database (Chromium’s last_compatible_version)', () => {
  it('is recorded by every open, and lets an older release open a newer database that it can still read', () => {
    const d = dir();
    const newer = [...migrations, testExtraMigration(migrations.length + 1)];
    openDatabase(d, newer).db.close();
    const { db } = openDatabase(d, migrations);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length + 1);
    expect(readMinReader(db)).toBe(MIN_READER);
    db.close();
  });

  it('a database whose minReader is above this release is refused, not misread', () => {
    const d = dir();
    openDatabase(d, [...migrations, testExtraMigration(migrations.length + 1)]).db.close();
    const raw = new Database(join(d, DB_FILE));
    raw.prepare('UPDATE meta SET value = ? WHERE key = ?').run(JSON.stringify(migrations.length + 1), MIN_READER_KEY);
    raw.close();
    expect(() => openDatabase(d, migrations)).toThrow(DataDirError);
    expect(() => openDatabase(d, migrations)).toThrow(`needs schema ${String(migrations.length + 1)} or later`);
  });
});
