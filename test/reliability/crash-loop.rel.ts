import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { count, dialects, missing } from '../helpers/dialects.js';
import { tempDir } from '../helpers/fixtures.js';
import { expectExactlyOnce, FAST_SYNC, ratingTerminal, rateOnce, until } from '../helpers/sync-rig.js';
import { LONG } from './long.js';
import { seeded } from '../../sync/province-sim/seeded.js';

const keys = tempDir('hcp-keys-');
const env = { HCP_KEY_DIR: keys.path, HCP_LOG_LEVEL: 'warn', ...FAST_SYNC };
afterAll(() => {
  keys.cleanup();
});

describe.each(dialects)('crash loop ($name)', (d) => {
  const ROUNDS = LONG ? 200 : count(d, 12, 6);
  it.skipIf(missing(d) !== null)(
    `${String(ROUNDS)} kill -9 at random moments while ratings are made and uploaded: every acknowledged rating at the province exactly once`,
    async () => {
      const dir = tempDir();
      // Lost answers (a reset after the work) and server errors make kills land mid-upload and mid-retry.
      const sim = await d.start({ faults: { rates: { reset: 0.15, '503': 0.1 }, skewMs: 0 } });
      const acknowledged: string[] = [];
      let killedMidRating = 0;
      // Seeded: a failing run's kill moments come again from the same seed.
      const random = seeded(ROUNDS);
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const r = await ratingTerminal(dir.path, sim.url, env, d);
          // Kill while a rating is in flight about half the time, between ratings otherwise.
          // At least one rating acknowledged in every round, however slow the machine: the count below depends on it.
          const killAt = Date.now() + 100 + random() * 900;
          const before = acknowledged.length;
          while (Date.now() < killAt || acknowledged.length === before) {
            try {
              acknowledged.push(await rateOnce(r.api, r.ui, 4));
            } catch {
              break;
            }
          }
          // A rating whose answer came back before the kill counts; one cut off may or may not be stored, never twice.
          const cutOff =
            random() < 0.5
              ? rateOnce(r.api, r.ui, 5).then(
                  (id) => void acknowledged.push(id),
                  () => undefined,
                )
              : null;
          if (cutOff) await new Promise((resolve) => setTimeout(resolve, random() * 3));
          r.t.proc.kill('SIGKILL');
          await r.t.exited;
          if (cutOff) {
            killedMidRating++;
            await cutOff;
          }
          await r.close();
        }
        sim.setFaults(NO_FAULTS);
        const last = await ratingTerminal(dir.path, sim.url, env, d);
        await until(
          async () => ((await last.api.get('/status')).body['sync'] as { pending: number }).pending,
          (n) => n === 0,
          120_000,
          'queue drained after the last restart',
        );
        await last.t.stop();
        await last.close();
      } finally {
        await sim.close();
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS);
      expectExactlyOnce(sim, acknowledged);
      const { db } = openDatabase(join(dir.path, 'data'));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
        dir.cleanup();
      }
      console.log(
        `crash loop (${d.name}): ${String(ROUNDS)} kill -9, ${String(killedMidRating)} of them with a rating in flight; ${String(acknowledged.length)} ratings acknowledged, ` +
          `${String(sim.held().length)} records at the ${d.name} province, faults ${JSON.stringify(sim.faultCounts())}`,
      );
    },
  );
});
