import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../sync/outbox/outbox.js';
import { DB_FILE, MIN_READER_KEY, openDatabase } from '../../main/store/database.js';
import { DataDirError } from '../../main/store/errors.js';
import { DataDirLock } from '../../main/store/lock.js';
import { migrations } from '../../main/store/migrations/index.js';
import { newRecord, scratchDirs } from '../helpers/fixtures.js';

const dir = scratchDirs();

const record = (satisfaction = 4) => newRecord({ satisfaction });

describe('database', () => {
  it('opens with WAL, synchronous=FULL and foreign keys, migrated to the latest version', () => {
    const { db } = openDatabase(dir());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    db.close();
  });

  it('refuses a database written by newer software instead of damaging it', () => {
    const d = dir();
    openDatabase(d).db.close();
    const raw = new Database(join(d, DB_FILE));
    raw.pragma(`user_version = ${migrations.length + 1}`);
    // Newer software that says this release cannot read what it wrote (minReader above this release's schema).
    raw.prepare(`UPDATE meta SET value = ? WHERE key = ?`).run(JSON.stringify(migrations.length + 1), MIN_READER_KEY);
    raw.close();
    expect(() => openDatabase(d)).toThrow(/newer than this software/);
  });

  it('moves a file that fails its integrity check aside and starts clean', () => {
    const d = dir();
    writeFileSync(join(d, DB_FILE), Buffer.alloc(8192, 0x5a));
    const { db, recoveredFrom } = openDatabase(d);
    expect(recoveredFrom).toMatch(/\.corrupt-\d+$/);
    expect(existsSync(recoveredFrom as string)).toBe(true);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    db.close();
  });

  it('salvages readable outbox rows from a damaged file', () => {
    const d = dir();
    const { db } = openDatabase(d);
    const outbox = new Outbox(db);
    db.transaction(() => [1, 2, 3].forEach(() => outbox.append(record(), { held: false })))();
    db.exec(
      'CREATE TABLE filler (x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) INSERT INTO filler SELECT randomblob(3000) FROM n;',
    );
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const fillerPages = (db.prepare(`SELECT pageno FROM dbstat WHERE name = 'filler'`).all() as { pageno: number }[]).map((r) => r.pageno);
    db.close();
    // A torn write: garbage over the filler table's pages, the outbox's pages untouched.
    const path = join(d, DB_FILE);
    const buf = readFileSync(path);
    for (const p of fillerPages) buf.fill(0x33, (p - 1) * pageSize, p * pageSize);
    writeFileSync(path, buf);

    const reopened = openDatabase(d);
    expect(reopened.recoveredFrom).not.toBeNull();
    const rows = new Outbox(reopened.db).list();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    // Numbering continues after the salvaged rows.
    expect(reopened.db.transaction(() => new Outbox(reopened.db).append(record(), { held: false }))().seq).toBe(4);
    reopened.db.close();
  });
});

describe('salvage around a damaged page', () => {
  it('keeps every outbox row that can still be read when one of its leaf pages is garbage, and counts the lost', () => {
    const d = dir();
    const { db } = openDatabase(d);
    const outbox = new Outbox(db);
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) outbox.append(record(1 + (i % 5)), { held: false });
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaves = db.prepare(`SELECT pageno, ncell FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf' ORDER BY pageno`).all() as {
      pageno: number;
      ncell: number;
    }[];
    db.close();
    expect(leaves.length).toBeGreaterThan(10);
    // One torn page in the middle of the table: garbage over one leaf, nothing else touched.
    const victim = leaves[Math.floor(leaves.length / 2)] as { pageno: number; ncell: number };
    const path = join(d, DB_FILE);
    const buf = readFileSync(path);
    buf.fill(0x5a, (victim.pageno - 1) * pageSize, victim.pageno * pageSize);
    writeFileSync(path, buf);

    const reopened = openDatabase(d);
    expect(reopened.recoveredFrom).not.toBeNull();
    const seqs = new Outbox(reopened.db).list().map((r) => r.seq);
    expect(seqs).toHaveLength(2_000 - victim.ncell);
    // What is missing is one run of consecutive records: the damaged page's, and nothing around it.
    const missing = Array.from({ length: 2_000 }, (_, i) => i + 1).filter((s) => !seqs.includes(s));
    expect(missing).toHaveLength(victim.ncell);
    expect((missing.at(-1) ?? 0) - (missing[0] ?? 0)).toBe(victim.ncell - 1);
    expect(reopened.salvaged.find((t) => t.table === 'outbox')).toEqual({
      table: 'outbox',
      kept: 2_000 - victim.ncell,
      lost: victim.ncell,
      tailUnreadable: false,
      unreadable: false,
    });
    // The queue's counts follow the rows kept, and numbering continues after the last record ever made.
    expect(new Outbox(reopened.db).counts()).toMatchObject({ pending: 2_000 - victim.ncell });
    expect(reopened.db.transaction(() => new Outbox(reopened.db).append(record(), { held: false }))().seq).toBe(2_001);
    reopened.db.close();
  });

  it('keeps the rows before a damaged last page and says the end of the table could not be read', () => {
    const d = dir();
    const { db } = openDatabase(d);
    const outbox = new Outbox(db);
    db.transaction(() => {
      for (let i = 0; i < 300; i++) outbox.append(record(), { held: false });
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaves = db.prepare(`SELECT pageno, ncell FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf' ORDER BY path`).all() as {
      pageno: number;
      ncell: number;
    }[];
    db.close();
    const last = leaves.at(-1) as { pageno: number; ncell: number };
    const path = join(d, DB_FILE);
    const buf = readFileSync(path);
    buf.fill(0x5a, (last.pageno - 1) * pageSize, last.pageno * pageSize);
    writeFileSync(path, buf);

    const reopened = openDatabase(d);
    expect(new Outbox(reopened.db).list().map((r) => r.seq)).toEqual(Array.from({ length: 300 - last.ncell }, (_, i) => i + 1));
    expect(reopened.salvaged.find((t) => t.table === 'outbox')).toMatchObject({ kept: 300 - last.ncell, tailUnreadable: true });
    reopened.db.close();
  });
});

describe('data directory lock', () => {
  it('lets one terminal hold a directory and refuses a second until the first lets go', () => {
    const d = dir();
    const first = DataDirLock.acquire(d);
    expect(() => DataDirLock.acquire(d)).toThrow(DataDirError);
    first.release();
    DataDirLock.acquire(d).release();
    expect(readdirSync(d)).toContain('terminal.lock');
  });
});

describe('outbox', () => {
  it('numbers records 1, 2, 3 … and chains each to the one before', () => {
    const { db } = openDatabase(dir());
    const outbox = new Outbox(db);
    const made = [1, 2, 3].map(() => db.transaction(() => outbox.append(record(), { held: false }))());
    expect(made.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(new Set(made.map((r) => r.chainHash)).size).toBe(3);
    expect(outbox.counts()).toMatchObject({ pending: 3, deadLetter: 0, held: 0 });
    db.close();
  });

  it('writes only inside the caller’s transaction, so a rating and its entry commit together', () => {
    const { db } = openDatabase(dir());
    const outbox = new Outbox(db);
    expect(() => outbox.append(record(), { held: false })).toThrow(/transaction/);
    expect(() =>
      db.transaction(() => {
        outbox.append(record(), { held: false });
        throw new Error('caller failed after append');
      })(),
    ).toThrow('caller failed');
    expect(outbox.list()).toHaveLength(0);
    // The failed transaction did not consume a seq.
    expect(db.transaction(() => outbox.append(record(), { held: false }))().seq).toBe(1);
    db.close();
  });

  it('amends held records only, and releases them to pending', () => {
    const { db } = openDatabase(dir());
    const outbox = new Outbox(db);
    const r = db.transaction(() => outbox.append(record(1), { held: true }))();
    expect(outbox.counts().held).toBe(1);
    db.transaction(() => outbox.amendHeld(r.evalId, { evalDetail: '101', evalDetailVersion: '3', writingEvaluation: '等了很久' }))();
    const amended = outbox.get(r.evalId);
    expect(amended?.record).toMatchObject({ evalDetail: '101', writingEvaluation: '等了很久', chainHash: r.chainHash, seq: 1 });
    outbox.release([r.evalId]);
    expect(outbox.get(r.evalId)?.state).toBe('pending');
    expect(() => db.transaction(() => outbox.amendHeld(r.evalId, { evalDetail: '102' }))()).toThrow(/not held/);
    db.close();
  });

  it('purges only records the province has accepted, and only past the retention period', () => {
    let now = 1_000_000;
    const { db } = openDatabase(dir());
    const outbox = new Outbox(db, () => now);
    db.transaction(() => [1, 2, 3, 4].forEach(() => outbox.append(record(), { held: false })))();
    const [a, b, c] = outbox.claim(3, 1 << 20);
    outbox.applyResults([
      { evalId: a?.evalId ?? '', status: 'accepted' },
      { evalId: b?.evalId ?? '', status: 'duplicate' },
      { evalId: c?.evalId ?? '', status: 'rejected', code: 'UNKNOWN_STAFF' },
    ]);
    now += 10_000;
    expect(outbox.purgeDone(now - 20_000)).toBe(0);
    expect(outbox.purgeDone(now)).toBe(2);
    expect(outbox.list().map((e) => [e.seq, e.state])).toEqual([
      [3, 'rejected'],
      [4, 'pending'],
    ]);
    db.close();
  });

  it('keeps numbering after old rows are gone', () => {
    const { db } = openDatabase(dir());
    const outbox = new Outbox(db);
    db.transaction(() => outbox.append(record(), { held: false }))();
    db.prepare('DELETE FROM outbox').run();
    expect(db.transaction(() => outbox.append(record(), { held: false }))().seq).toBe(2);
    db.close();
  });
});
