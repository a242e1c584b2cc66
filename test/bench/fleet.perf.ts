import { describe, it } from 'vitest';
import { record, stats } from './figures.js';
import { simulateFleet } from './fleet.js';

const TERMINALS = 2_000;
const RATE_LIMIT = 500;

describe('a fleet returning after a province outage', () => {
  for (const jitter of [true, false]) {
    it(`2,000 terminals after a one-hour outage, jitter ${jitter ? 'on' : 'off'}`, async () => {
      const r = await simulateFleet({ terminals: TERMINALS, rateLimit: RATE_LIMIT, outageMs: 3_600_000, jitter, seed: 11 });
      const steady = stats(r.steady);
      const first = stats(r.firstMinute);
      const peak = Math.max(...r.firstMinute);
      const mean = r.steady.reduce((a, b) => a + b, 0) / r.steady.length;
      const emptyMin = r.emptyAfterMs === null ? null : r.emptyAfterMs / 60_000;
      record({
        group: 'fleet',
        name:
          `requests/s at the province in the first minute back, ${jitter ? 'with the terminals’ jitter' : 'jitter off'}: ` +
          `peak ${String(peak)}, 429s ${(r.rateLimitedShare * 100).toFixed(1)} % of ${r.requestsAfter.toLocaleString('en')} requests until empty, ` +
          `every queue empty after ${emptyMin === null ? 'never (30 min)' : `${emptyMin.toFixed(1)} min`} (limit ${String(RATE_LIMIT)}/s)`,
        unit: 'req/s',
        value: first,
        baseline: { name: `steady rate in the 10 min before the outage, mean ${mean.toFixed(0)}`, value: steady },
        ratio: peak / mean,
        goal: 'peak ≤ 2× steady (mean); empty ≤ 10 min',
        met: peak <= 2 * mean && emptyMin !== null && emptyMin <= 10,
      });
    });
  }
});
