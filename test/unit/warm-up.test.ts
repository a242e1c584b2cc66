import { afterEach, describe, expect, it, vi } from 'vitest';
import { warmRatingPath } from '../../main/runtime/warm-up.js';
import { openDatabase } from '../../main/store/database.js';
import { SessionStore } from '../../main/store/sessions.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { newRecord, scratchDirs } from '../helpers/fixtures.js';

const dir = scratchDirs();
afterEach(() => vi.restoreAllMocks());

/** Every row a rating or its upload could touch. */
function rows(db: ReturnType<typeof openDatabase>['db']) {
  return ['outbox', 'outbox_head', 'outbox_counts', 'sessions'].map((t) => db.prepare(`SELECT * FROM ${t}`).all());
}

describe('warming the rating path at start', () => {
  it('leaves the first rating and its upload no SQL to compile, and stores nothing itself', () => {
    const { db } = openDatabase(dir());
    const sessions = new SessionStore(db);
    const outbox = new Outbox(db, () => 1_000);
    const before = rows(db);

    warmRatingPath(db);
    expect(rows(db)).toEqual(before);

    const compiled = vi.spyOn(db, 'prepare');
    db.transaction(() => {
      sessions.markRated('a-session', 5, '4', 2_000);
      const { evalId } = outbox.append(newRecord(), { held: true });
      outbox.release([evalId]);
    }).immediate();
    expect(outbox.claim(10, 1 << 20)).toHaveLength(1);
    expect(compiled.mock.calls.map(([sql]) => sql)).toEqual([]);
    db.close();
  });
});
