import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { newRecord, scratchDirs } from '../helpers/fixtures.js';

const dir = scratchDirs();

/** What counts() must say, computed the slow way: a full scan. */
function recount(db: ReturnType<typeof openDatabase>['db']) {
  return db
    .prepare(
      `SELECT COALESCE(SUM(state IN ('pending','in-flight')), 0) AS pending, COALESCE(SUM(state = 'rejected'), 0) AS deadLetter,
              COALESCE(SUM(state = 'held'), 0) AS held, MIN(CASE WHEN state IN ('pending','in-flight','held') THEN created_at END) AS oldestPendingAt
       FROM outbox`,
    )
    .get();
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), held: fc.boolean() }),
  fc.record({ kind: fc.constant('release' as const) }),
  fc.record({ kind: fc.constant('claim' as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('answer' as const), status: fc.constantFrom('accepted' as const, 'duplicate' as const, 'rejected' as const) }),
  fc.record({ kind: fc.constant('unclaim' as const) }),
  fc.record({ kind: fc.constant('resend' as const) }),
  fc.record({ kind: fc.constant('purge' as const) }),
);

describe('the outbox’s running counts', () => {
  it('always equal a full recount, whatever appends, claims, answers, resends and purges come in whatever order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { db } = openDatabase(dir());
        let t = 1_000;
        const outbox = new Outbox(db, () => t);
        const inFlight: string[] = [];
        for (const o of ops) {
          t += 1_000;
          db.transaction(() => {
            if (o.kind === 'append') outbox.append(newRecord(), { held: o.held });
            else if (o.kind === 'release') outbox.release(outbox.list({ states: ['held'] }).map((e) => e.evalId));
            else if (o.kind === 'claim') inFlight.push(...outbox.claim(o.n, 1 << 20).map((e) => e.evalId));
            else if (o.kind === 'answer') outbox.applyResults(inFlight.splice(0).map((evalId) => ({ evalId, status: o.status, code: 'X', message: 'y' })));
            else if (o.kind === 'unclaim') outbox.unclaim(inFlight.splice(0), 'down');
            else if (o.kind === 'resend') outbox.resend();
            else outbox.purgeDone(t);
          })();
          expect(outbox.counts()).toEqual(recount(db));
        }
        db.close();
      }),
      { numRuns: 60 },
    );
  });
});
