import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { tempDir } from '../helpers/fixtures.js';
import { expectExactlyOnce, FAST_SYNC, ratingTerminal, rateOnce, startSim, until } from '../helpers/sync-rig.js';
import { LONG } from './long.js';

const ROUNDS = LONG ? 200 : 12;
const keys = tempDir('hcp-keys-');
const dir = tempDir();
const env = { HCP_KEY_DIR: keys.path, HCP_LOG_LEVEL: 'warn', ...FAST_SYNC };
afterAll(() => {
  dir.cleanup();
  keys.cleanup();
});

describe('crash loop', () => {
  it(`${String(ROUNDS)} kill -9 at random moments while ratings are made and uploaded: every acknowledged rating at the province exactly once`, async () => {
    // Lost answers (a reset after the work) and server errors make kills land mid-upload and mid-retry.
    const sim = await startSim({ faults: { rates: { reset: 0.15, '503': 0.1 }, skewMs: 0 } });
    const acknowledged: string[] = [];
    let killedMidRating = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const r = await ratingTerminal(dir.path, sim.url, env);
        // Kill while a rating is in flight about half the time, between ratings otherwise.
        const killAt = Date.now() + 100 + Math.random() * 900;
        while (Date.now() < killAt) {
          try {
            acknowledged.push(await rateOnce(r.api, r.ui, 4));
          } catch {
            break;
          }
        }
        // A rating whose answer came back before the kill counts; one cut off may or may not be stored, never twice.
        const cutOff =
          Math.random() < 0.5
            ? rateOnce(r.api, r.ui, 5).then(
                (id) => void acknowledged.push(id),
                () => undefined,
              )
            : null;
        if (cutOff) await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        r.t.proc.kill('SIGKILL');
        await r.t.exited;
        if (cutOff) {
          killedMidRating++;
          await cutOff;
        }
        await r.close();
      }
      sim.setFaults(NO_FAULTS);
      const last = await ratingTerminal(dir.path, sim.url, env);
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
    expect(acknowledged.length).toBeGreaterThan(ROUNDS);
    expectExactlyOnce(sim, acknowledged);
    const { db } = openDatabase(join(dir.path, 'data'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    console.log(
      `crash loop: ${String(ROUNDS)} kill -9, ${String(killedMidRating)} of them with a rating in flight; ${String(acknowledged.length)} ratings acknowledged, ` +
        `${String(sim.records.size)} records at the province, stats ${JSON.stringify(sim.stats.faults)}`,
    );
  });
});
