import Database from 'better-sqlite3';
import { afterAll, describe, it } from 'vitest';
import { BADGE, newRecord, tempDir } from '../helpers/fixtures.js';
import { coreFixture, silentLog, testConfig, type CoreFixture } from '../helpers/core.js';
import { scheduleCheckpoints } from '../../main/store/checkpoints.js';
import { record, stats, timeEach } from './figures.js';
import { history } from './history.js';

const RUNS = 400;

/** A terminal with `stored` records behind it, serving; its clock moves a minute per rating (no burst flags). */
function terminalWith(stored: number): CoreFixture {
  const f = coreFixture(testConfig({ followUp: 'none' }));
  history(f.db, f.clock.now(), stored);
  // As the runtime runs it: WAL checkpoints between ratings (the fake clock's 5 s after each), not inside a commit.
  scheduleCheckpoints(f.db, f.clock, () => false, silentLog);
  f.terminal.loginByBadge(BADGE);
  return f;
}

describe('durable commit and the cost of a rating as records accumulate', () => {
  const fixtures: CoreFixture[] = [];
  const raw = tempDir();
  afterAll(() => {
    fixtures.forEach((f) => f.cleanup());
    raw.cleanup();
  });

  it('measures', async () => {
    const db = new Database(`${raw.path}/raw.db`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
    const payload = JSON.stringify(newRecord());
    const baseline = stats(await timeEach(RUNS, () => db.transaction(() => insert.run(payload))()));
    db.close();

    const at: Record<number, { choose: number[]; full: number[] }> = {};
    for (const stored of [1_000, 200_000]) {
      const f = terminalWith(stored);
      fixtures.push(f);
      const choose: number[] = [];
      const full: number[] = [];
      await timeEach(RUNS, async () => {
        f.clock.advance(60_000);
        const t0 = performance.now();
        const { sessionId } = await f.terminal.openSession({});
        const t1 = performance.now();
        f.terminal.choose(sessionId, 0, 4, '4');
        const t2 = performance.now();
        f.terminal.view();
        choose.push(t2 - t1);
        full.push(performance.now() - t0);
        f.clock.advance(5_000);
      });
      at[stored] = { choose: choose.slice(50), full: full.slice(50) };
    }
    const small = at[1_000] ?? { choose: [], full: [] };
    const big = at[200_000] ?? { choose: [], full: [] };
    for (const [stored, v] of [
      [1_000, small],
      [200_000, big],
    ] as const) {
      const s = stats(v.choose);
      record({
        group: 'durable commit',
        name: `choose → committed (session row, outbox entry, seq, SM3 chain), ${stored.toLocaleString('en')} stored`,
        unit: 'ms',
        value: s,
        baseline: { name: 'raw insert, same pragmas', value: baseline },
        ratio: s.p99 / baseline.p99,
        goal: 'p99 ≤ 2× baseline p99',
        met: s.p99 <= 2 * baseline.p99,
      });
    }
    const fullSmall = stats(small.full);
    const fullBig = stats(big.full);
    record({
      group: 'scale',
      name: 'a whole rating (open, choose, the view after it) with 200,000 stored',
      unit: 'ms',
      value: fullBig,
      baseline: { name: 'the same with 1,000 stored', value: fullSmall },
      ratio: fullBig.median / fullSmall.median,
      goal: '≤ 1.2× the time with 1,000',
      met: fullBig.median <= 1.2 * fullSmall.median,
    });
  });
});
