import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime } from '../../main/runtime/runtime.js';
import { silentLog } from '../helpers/core.js';
import { count, dialects, missing, writeDialectProvisioning } from '../helpers/dialects.js';
import { BADGE, tempDir } from '../helpers/fixtures.js';
import { expectExactlyOnce, FAST_SYNC, rateUntilStruck, until } from '../helpers/sync-rig.js';

const keys = tempDir('hcp-keys-');
afterAll(() => keys.cleanup());

describe.each(dialects)('every fault kind at once against a $name province, per-record rejections included', { timeout: 180_000 }, (d) => {
  const n = count(d, 300, 60);
  it.skipIf(missing(d) !== null)(`ends with each of ${String(n)} ratings held exactly once after a technician resends the rejected ones`, async () => {
    Object.assign(process.env, { HCP_KEY_DIR: keys.path, ...FAST_SYNC });
    const dir = tempDir();
    const rates = { '500': 0.08, '503': 0.08, reset: 0.05, hang: 0.03, '429': 0.05, garbage: 0.05, html: 0.05, html200: 0.05 };
    // Two records the province refuses each time it judges them, besides the drawn rejections: a drawn one whose answer
    // was lost may be accepted when judged again, so the drawn ones alone may leave the technician nothing to resend.
    const rejectSeqs = [3, Math.floor(n / 2)];
    const sim = await d.start({ faults: { rates: { ...rates, reject: 0.05 }, rejectSeqs, skewMs: 400_000 } });
    const runtime = await startRuntime({
      dataDir: join(dir.path, 'data'),
      provisioningFile: readProvisioningFile(writeDialectProvisioning(d, dir.path, { baseUrl: sim.url })),
      log: silentLog,
    });
    try {
      const t = runtime.terminal;
      await until(
        () => t.loginByBadge(BADGE).staffId,
        (id) => id === 'SM0012',
        5000,
        'login',
      );
      const ids: string[] = [];
      const rate = async () => {
        const { sessionId } = await t.openSession({});
        t.choose(sessionId, 0, 5, '4');
        return sessionId;
      };
      for (let i = 0; i < n; i++) ids.push(await rate());
      ids.push(...(await rateUntilStruck(sim, Object.keys(rates), rate, () => t.syncStatus().pending, n)));
      sim.setFaults({ ...NO_FAULTS, rejectSeqs, skewMs: 400_000 });
      await until(
        () => t.syncStatus(),
        (s) => s.pending === 0,
        120_000,
        'queue drained',
      );
      const dead = t.syncStatus().deadLetter;
      expect(dead).toBeGreaterThanOrEqual(rejectSeqs.length);
      sim.setFaults({ ...NO_FAULTS, skewMs: 400_000 });
      // A rejection whose answer was lost is judged again on resend, so the simulator may have rejected more often.
      expect(sim.rejectedInjected()).toBeGreaterThanOrEqual(dead);
      expect(runtime.resendDeadLetters()).toBe(dead);
      // The province holds a record before the terminal has committed its answer, so wait for both.
      await until(
        () => ({ held: sim.held().length, ...t.syncStatus() }),
        (s) => s.held === ids.length && s.pending === 0,
        60_000,
        'every rating held and acknowledged',
      );
      expect(t.syncStatus()).toMatchObject({ pending: 0, deadLetter: 0 });
      expectExactlyOnce(sim, ids);
      expect(new Set(sim.held().map((r) => r.sessionId))).toEqual(new Set(ids));
      for (const kind of Object.keys(rates)) expect(sim.faultCounts()[kind], kind).toBeGreaterThan(0);
      expect(sim.clockSkews()).toBeGreaterThan(0);
    } finally {
      await runtime.close();
      await sim.close();
      dir.cleanup();
    }
  });
});
