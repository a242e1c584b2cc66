import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { keypadRater } from '../helpers/keypad-rater.js';
import { startTerminal } from '../helpers/process.js';
import { usage } from '../helpers/proc-usage.js';
import { FAST_SYNC, rateOnce, startSim, until } from '../helpers/sync-rig.js';
import { LONG } from './long.js';
import { TERMINAL_V8_FLAGS } from '../../main/runtime/v8-flags.js';

const RATINGS = LONG ? 20_000 : 600;
const SAMPLES = 10;
/**
 * Records the province refuses each time it judges them (an unregistered proManager): dead-letter is then sure to be
 * tried, where the 1 % `reject` draw alone meets none in a run whose uploader sat in backoff while ratings were made.
 */
const REJECT_SEQS = [7, RATINGS / 2 + 1, RATINGS - 3];
const MB = 1e6;
const keys = tempDir('hcp-keys-');
const dir = tempDir();
afterAll(() => {
  dir.cleanup();
  keys.cleanup();
});

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const num = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] ?? 0) - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

describe('soak', () => {
  it(`${RATINGS.toLocaleString('en')} ratings through the keypad and the API with province faults on: no memory trend, no descriptor leak, dead-letter exactly the rejected`, async () => {
    const sim = await startSim({
      faults: { rates: { '500': 0.05, reset: 0.03, hang: 0.005, '429': 0.02, garbage: 0.02, reject: 0.01 }, rejectSeqs: REJECT_SEQS, skewMs: 0 },
    });
    const data = join(dir.path, 'data');
    const file = writeProvisioning(dir.path, {
      baseUrl: sim.url,
      devices: { keypad: { type: 'simulated' }, badge: { type: 'keypad' } },
      rating: { followUp: 'none' },
    });
    const t = await startTerminal(['--data-dir', data, '--port', '0', '--config', file], {
      HCP_KEY_DIR: keys.path,
      ...FAST_SYNC,
      HCP_LOG_LEVEL: 'warn',
      NODE_OPTIONS: TERMINAL_V8_FLAGS.join(' '),
    });
    const pid = t.proc.pid ?? 0;
    const samples: { at: number; rss: number; fds: number }[] = [];
    const started = Date.now();
    try {
      const api = apiClient(t.ready.api);
      await api.post('/staff/login', { badgeId: BADGE });
      const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
      await until(
        async () => ((await api.get('/status')).body['devices'] as { keypad: { connected: boolean } }).keypad.connected,
        (c) => c,
        5_000,
        'simulated keypad connected',
      );
      const keypad = keypadRater(ui);
      for (let i = 0; i < RATINGS; i++) {
        // Alternately a citizen at the keypad and an invitation from the business system rated on the screen.
        if (i % 2 === 0) await keypad.rate(1 + (i % 3));
        else await rateOnce(api, ui, 4);
        if ((i + 1) % (RATINGS / SAMPLES) === 0) {
          const u = usage(pid);
          samples.push({ at: i + 1, rss: u.rss, fds: u.fds });
        }
      }
      // The gateway's faults stop; everything not rejected drains, the named records rejected still.
      sim.setFaults({ ...NO_FAULTS, rejectSeqs: REJECT_SEQS });
      await until(
        async () => ((await api.get('/status')).body['sync'] as { pending: number }).pending,
        (n) => n === 0,
        120_000,
        'queue drained',
      );
      ui.close();
    } finally {
      await t.stop();
      await sim.close();
    }

    // Dead-letter holds exactly what the province rejected, and everything else was accepted.
    const { db } = openDatabase(data);
    let dead: Set<string>;
    let total: number;
    try {
      dead = new Set((db.prepare(`SELECT eval_id FROM outbox WHERE state = 'rejected'`).all() as { eval_id: string }[]).map((r) => r.eval_id));
      total = (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    const refused = [...sim.records.values()].filter((r) => r.status === 'rejected');
    const rejected = new Set(refused.map((r) => r.record.evalId));
    expect(total).toBe(RATINGS);
    expect(refused.map((r) => r.record.seq)).toEqual(expect.arrayContaining(REJECT_SEQS));
    expect(dead).toEqual(rejected);
    expect([...sim.records.values()].filter((r) => r.status === 'accepted')).toHaveLength(RATINGS - rejected.size);

    // Over the second half, resident memory has no upward trend and descriptors do not grow. The first half is
    // warm-up: V8 and the allocator size themselves over the first ~10,000 ratings of a long run (114 → 133 MiB
    // there), then hold (133 → 137); a leak keeps climbing (it did at 3.6 MB per 1,000 until the keypad fix).
    const steady = samples.slice(SAMPLES / 2 - 1);
    const perThousand =
      slope(
        steady.map((s) => s.at),
        steady.map((s) => s.rss),
      ) * 1000;
    const growth = perThousand * ((RATINGS - (steady[0]?.at ?? 0)) / 1000);
    console.log(
      `soak: ${RATINGS.toLocaleString('en')} ratings in ${((Date.now() - started) / 60_000).toFixed(1)} min; ` +
        `RSS ${samples.map((s) => (s.rss / 2 ** 20).toFixed(0)).join(' → ')} MiB (trend ${(perThousand / MB).toFixed(2)} MB per 1,000 over the second half); ` +
        `fds ${samples.map((s) => s.fds).join(' ')}; dead-letter ${String(dead.size)} = rejected ${String(rejected.size)}; faults ${JSON.stringify(sim.stats.faults)}`,
    );
    // Only a long run's second half is past warm-up. A short run's (600 ratings, half a minute) is still V8 sizing its
    // heap: on Node 24 its trend measured 10.7 MB in one CI rehearsal and under 10 in the next. There the trend is
    // printed, and only a gross leak is judged (64 MB over the run is over 100 KB a rating; warm-up is about 26 MB);
    // HCP_RELIABILITY_LONG=1 judges the trend (docs/reliability.md).
    if (LONG) expect(growth).toBeLessThan(10 * MB);
    else expect((samples.at(-1)?.rss ?? 0) - (samples[0]?.rss ?? 0)).toBeLessThan(64 * MB);
    expect(Math.max(...steady.map((s) => s.fds))).toBeLessThanOrEqual((steady[0]?.fds ?? 0) + 2);
  });
});
