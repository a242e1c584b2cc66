import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../sync/chain.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime } from '../../main/runtime/runtime.js';
import { silentLog } from '../helpers/core.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { accepted, FAST_SYNC, startSim, until } from '../helpers/sync-rig.js';

const keys = tempDir('hcp-keys-');
afterAll(() => keys.cleanup());

describe('every fault kind at once, per-record rejections included', { timeout: 120_000 }, () => {
  it('ends with each of 300 ratings accepted exactly once after a technician resends the rejected ones', async () => {
    Object.assign(process.env, { HCP_KEY_DIR: keys.path, ...FAST_SYNC });
    const dir = tempDir();
    const sim = await startSim({
      faults: { rates: { '500': 0.08, '503': 0.08, reset: 0.05, hang: 0.03, '429': 0.05, garbage: 0.05, html: 0.05, reject: 0.05 }, skewMs: 400_000 },
    });
    const runtime = await startRuntime({
      dataDir: join(dir.path, 'data'),
      provisioningFile: readProvisioningFile(writeProvisioning(dir.path, { baseUrl: sim.url })),
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
      for (let i = 0; i < 300; i++) {
        const { sessionId } = await t.openSession({});
        t.choose(sessionId, 0, 5, '4');
        ids.push(sessionId);
      }
      sim.setFaults({ ...NO_FAULTS, skewMs: 400_000 });
      await until(
        () => t.syncStatus(),
        (s) => s.pending === 0,
        90_000,
        'queue drained',
      );
      const dead = t.syncStatus().deadLetter;
      expect(dead).toBeGreaterThan(0);
      // A rejection whose answer was lost is judged again on resend, so the simulator may have rejected more often.
      expect(sim.stats.rejectedInjected).toBeGreaterThanOrEqual(dead);
      expect(runtime.resendDeadLetters()).toBe(dead);
      await until(
        () => accepted(sim).length,
        (n) => n === 300,
        60_000,
        '300 accepted',
      );
      expect(t.syncStatus()).toMatchObject({ pending: 0, deadLetter: 0 });

      const records = accepted(sim);
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(new Set(records.map((r) => r.groupId))).toEqual(new Set(ids));
      expect(verifyChain(records)).toBeNull();
      expect(sim.stats).toMatchObject({ invalidSignatures: 0, invalidRecords: 0, invalidRequests: 0 });
      for (const kind of ['500', '503', 'reset', 'hang', '429', 'garbage', 'html']) expect(sim.stats.faults[kind], kind).toBeGreaterThan(0);
      expect(sim.stats.clockSkews).toBeGreaterThan(0);
    } finally {
      await runtime.close();
      await sim.close();
      dir.cleanup();
    }
  });
});
