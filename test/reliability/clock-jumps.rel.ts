import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';
import { accepted, APP, expectExactlyOnce, FAST_SYNC, rateOnce, simConfig, until } from '../helpers/sync-rig.js';
import { LONG } from './long.js';

/** Debian's libfaketime: the terminal's wall clock is read from a file the test rewrites, its monotonic clock is left alone. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const PER_PHASE = LONG ? 100 : 8;
const DAY = 86_400_000;
const keys = tempDir('hcp-keys-');
const dir = tempDir();
afterAll(() => {
  dir.cleanup();
  keys.cleanup();
});

/** A record's assessTime (China Standard Time, to the second) as epoch ms. */
const assessed = (t: string) => Date.parse(`${t.replace(' ', 'T')}+08:00`);

describe('clock jumps', () => {
  it.skipIf(!existsSync(LIBFAKETIME))(
    'a wall clock set a year ahead and then a day back while rating and uploading: nothing lost or reordered, clockTrusted only when true, no 默认评价 fired early',
    async () => {
      const fake = join(dir.path, 'faketime');
      const jump = (offset: string) => writeFileSync(fake, `${offset}\n`);
      jump('+0');
      // The province asks for 默认评价 after a day: a terminal believing its year-ahead clock would default at once.
      const base = simConfig();
      const sim = await startProvinceSim({ apps: [APP], config: { ...base, rating: { ...(base['rating'] as object), defaultAfterDays: 1 } } });
      const env = {
        HCP_KEY_DIR: keys.path,
        ...FAST_SYNC,
        LD_PRELOAD: LIBFAKETIME,
        FAKETIME_TIMESTAMP_FILE: fake,
        FAKETIME_NO_CACHE: '1',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      };
      const args = ['--data-dir', join(dir.path, 'data'), '--port', '0', '--config', writeProvisioning(dir.path, { baseUrl: sim.url })];
      let t: RunningTerminal = await startTerminal(args, env);
      /** Each rating: when it really was, and whether the province could vouch for the terminal's clock then. */
      const made = new Map<string, { at: number; phase: string }>();
      try {
        let api = apiClient(t.ready.api);
        let ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
        await api.post('/staff/login', { badgeId: BADGE });
        const status = async () => (await api.get('/status')).body;
        const rate = async (phase: string, n: number) => {
          for (let i = 0; i < n; i++) made.set(await rateOnce(api, ui, 5), { at: Date.now(), phase });
        };
        /** The province stops answering, and the terminal has met it so: nothing sent before can vouch for a clock after. */
        const provinceDown = async () => {
          sim.setFaults({ ...NO_FAULTS, rates: { down: 1 } });
          const before = sim.stats.requests;
          await until(
            () => sim.stats.requests,
            (n) => n > before,
            10_000,
            'the terminal met the province down',
          );
        };
        const uploaded = () =>
          until(
            () => accepted(sim).length,
            (n) => n === made.size,
            30_000,
            'every rating uploaded',
          );

        // Trusted: the province has answered.
        await until(status, (s) => (s['sync'] as { online: boolean }).online, 10_000, 'online');
        await rate('trusted', PER_PHASE);
        // An invitation nobody rates, ended by a restart: unrated, due a default rating one (real) day later.
        await api.post('/sessions', {});
        ui.close();
        await t.stop();
        t = await startTerminal(args, env);
        api = apiClient(t.ready.api);
        ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
        await until(status, (s) => (s['sync'] as { online: boolean }).online, 10_000, 'online after restart');
        await uploaded();

        // A year ahead with the province unreachable: nothing can vouch for the new time.
        await provinceDown();
        jump('+365d');
        await rate('year ahead, offline', PER_PHASE);
        // An invitation open across the jump is still the citizen's to rate.
        const across = (await api.post('/sessions', {})).body as { sessionId: string };
        jump('+730d');
        expect((await ui.send({ type: 'choose', sessionId: across.sessionId, item: 0, level: 4 })).ok).toBe(true);
        made.set(across.sessionId, { at: Date.now(), phase: 'year ahead, offline' });
        jump('+365d');
        // A restart a year ahead: the hourly 默认评价 job runs at start, and must find nothing due on a clock nobody vouches for.
        ui.close();
        await t.stop();
        t = await startTerminal(args, env);
        api = apiClient(t.ready.api);
        ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
        await rate('year ahead, offline', 2);
        // The province is back: two agreeing readings (CLOCK_SKEW's serverTime) make the time the province's again.
        sim.setFaults(NO_FAULTS);
        await uploaded();
        await rate('year ahead, province back', PER_PHASE);

        // A day back, offline again, then online.
        await provinceDown();
        jump('-1d');
        await rate('day back, offline', PER_PHASE);
        sim.setFaults(NO_FAULTS);
        await uploaded();
        await rate('day back, province back', PER_PHASE);
        await uploaded();
        ui.close();
      } finally {
        await t.stop();
        await sim.close();
      }

      // Nothing lost, nothing twice, seq 1..n on an unbroken chain: uploaded in the order made, whatever the clock said.
      expectExactlyOnce(sim, [...made.keys()]);
      const records = accepted(sim);
      expect(records.every((r) => r.evaluateType !== 3)).toBe(true);
      for (const r of records) {
        const m = made.get(r.groupId ?? '');
        if (!m) throw new Error(`record ${r.evalId} of no rating made here`);
        const error = assessed(r.assessTime) - m.at;
        if (r.clockTrusted) expect(Math.abs(error), `${m.phase}: a trusted record's time is the true time`).toBeLessThan(5_000);
        if (m.phase.endsWith('offline')) expect(r.clockTrusted, `${m.phase}: not trusted`).toBe(false);
        if (m.phase === 'year ahead, offline') expect(error).toBeGreaterThan(360 * DAY);
        if (m.phase.endsWith('province back')) expect(r.clockTrusted, `${m.phase}: trusted again`).toBe(true);
      }
      console.log(
        `clock jumps: ${String(records.length)} records; untrusted ${String(records.filter((r) => !r.clockTrusted).length)}; ` +
          `seq 1..${String(records.at(-1)?.seq ?? 0)}`,
      );
    },
  );
});
