import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE, openDatabase } from '../../main/store/database.js';
import { CHECKPOINT_EVERY_MS, scheduleCheckpoints } from '../../main/store/checkpoints.js';
import { silentLog } from '../helpers/core.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('WAL checkpoints', () => {
  it('run between ratings, not while an invitation is open: the WAL never reaches the mark where a commit would pay for one', () => {
    const dir = tempDir();
    const { db } = openDatabase(dir.path);
    const clock = new FakeClock();
    const busy = { now: true };
    const stop = scheduleCheckpoints(db, clock, () => busy.now, silentLog);
    cleanups.push(() => {
      stop();
      db.close();
      dir.cleanup();
    });
    db.exec('CREATE TABLE filler (x BLOB)');
    const insert = db.prepare('INSERT INTO filler VALUES (randomblob(4000))');
    const size = (f: string) => statSync(join(dir.path, f)).size;
    // About 400 pages: under SQLite's own 1,000-page mark, so only our checkpoint can move them.
    for (let i = 0; i < 200; i++) insert.run();
    const before = size(DB_FILE);
    clock.advance(CHECKPOINT_EVERY_MS * 3);
    expect(size(DB_FILE)).toBe(before);
    busy.now = false;
    clock.advance(CHECKPOINT_EVERY_MS);
    expect(size(DB_FILE)).toBeGreaterThan(before + 200 * 4_000);
    // The WAL starts over after a full checkpoint: day after day of ratings never grows it past one interval's worth.
    const wal = size(`${DB_FILE}-wal`);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 200; i++) insert.run();
      clock.advance(CHECKPOINT_EVERY_MS);
    }
    expect(size(`${DB_FILE}-wal`)).toBeLessThanOrEqual(wal + 64 * 1024);
  });
});
