import { describe, it } from 'vitest';
import { fullCollection } from '../../main/runtime/idle-collection.js';
import { BADGE } from '../helpers/fixtures.js';
import { coreFixture, testConfig } from '../helpers/core.js';
import { record, stats } from './figures.js';

const ROUNDS = 60;

/**
 * What the terminal's collection in a quiet spell costs (main/runtime/idle-collection.ts): its own pause, which falls
 * where nobody waits, and the first rating after it, which a citizen does wait for; beside the same rating after
 * three others and no collection, alternating in the same run.
 */
describe('the idle collection', () => {
  it('its pause, and the first rating after it', async () => {
    const f = coreFixture(testConfig({ timeoutSeconds: 30, followUp: 'none' }));
    try {
      f.terminal.loginByBadge(BADGE);
      const collect = fullCollection('last-resort');
      if (!collect) throw new Error('no collector in this runtime');
      const rate = async () => {
        const t0 = performance.now();
        const { sessionId } = await f.terminal.openSession({});
        f.terminal.choose(sessionId, 0, 5, '4');
        f.terminal.view();
        return performance.now() - t0;
      };
      for (let i = 0; i < 50; i++) await rate();
      const plain: number[] = [];
      const after: number[] = [];
      const pause: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < 3; i++) await rate();
        plain.push(await rate());
        for (let i = 0; i < 3; i++) await rate();
        const t0 = performance.now();
        collect();
        pause.push(performance.now() - t0);
        after.push(await rate());
      }
      const base = stats(plain);
      const first = stats(after);
      record({
        group: 'idle collection',
        name: 'a whole rating (open, choose, the view) right after the quiet spell’s collection',
        unit: 'ms',
        value: first,
        baseline: { name: 'the same rating after three others, no collection', value: base },
        ratio: first.median / base.median,
        goal: 'information: what a citizen after a quiet spell pays for the memory given back',
        met: true,
      });
      record({
        group: 'idle collection',
        name: 'the collection’s own pause (in this bench’s process, whose heap is larger than the terminal’s)',
        unit: 'ms',
        value: stats(pause),
        baseline: null,
        ratio: null,
        goal: 'information: it falls where nobody waits',
        met: true,
      });
    } finally {
      f.cleanup();
    }
  }, 300_000);
});
