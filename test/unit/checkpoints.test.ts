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

/** A database with 3,000 pages of committed writes still in its WAL; the main file grows only when they are checkpointed. */
function rig(busy: { now: boolean }) {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  const clock = new FakeClock();
  const stop = scheduleCheckpoints(db, clock, () => busy.now, silentLog);
  cleanups.push(() => {
    stop();
    db.close();
    dir.cleanup();
  });
  db.exec('CREATE TABLE filler (x BLOB)');
  const insert = db.prepare('INSERT INTO filler VALUES (randomblob(4000))');
  for (let i = 0; i < 3_000; i++) insert.run();
  const size = () => statSync(join(dir.path, DB_FILE)).size;
  return { clock, size, before: size() };
}

describe('WAL checkpoints', () => {
  it('never run inside a commit (3,000 pages and the main file has not moved) and run when no invitation is open', () => {
    const busy = { now: true };
    const { clock, size, before } = rig(busy);
    clock.advance(CHECKPOINT_EVERY_MS * 3);
    expect(size()).toBe(before);
    busy.now = false;
    clock.advance(CHECKPOINT_EVERY_MS);
    expect(size()).toBeGreaterThan(before + 3_000 * 4_000);
  });

  it('run within a minute even while invitations never stop', () => {
    const { clock, size, before } = rig({ now: true });
    clock.advance(55_000);
    expect(size()).toBe(before);
    clock.advance(10_000);
    expect(size()).toBeGreaterThan(before + 3_000 * 4_000);
  });
});
