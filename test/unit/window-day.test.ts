import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduleDefaultRatings } from '../../main/core/default-ratings.js';
import { THANKS_MS } from '../../main/core/policy.js';
import type { Cancel } from '../../main/core/clock.js';
import { verifyChain } from '../../sync/chain.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { BADGE, BADGE_2 } from '../helpers/fixtures.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { coreFixture, silentLog, testConfig, type CoreFixture } from '../helpers/core.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 08:30 China Standard Time on Monday 23 November 2026. */
const MONDAY_0830 = Date.UTC(2026, 10, 23, 0, 30);

let f: CoreFixture | null = null;
let stopDefaults: Cancel = () => undefined;
afterEach(() => {
  stopDefaults();
  f?.cleanup();
  vi.useRealTimers();
});

describe('a full day at one window, on one fake clock', () => {
  it('logins, invitations, timeouts, follow-ups, a burst, a pause, a staff change, and 默认评价 the next morning across a restart', async () => {
    const started = performance.now();
    // Node's own timers are frozen for the whole day: anything in the core that waited on them would never fire,
    // and the expectations below would fail. Only the clock port moves time.
    vi.useFakeTimers();
    const clock = new FakeClock(MONDAY_0830);
    clock.isTrusted = true;
    const config = testConfig({ defaultAfterDays: 1, followUp: 'bad', timeoutSeconds: 30, followUpTimeoutSeconds: 60 });
    let fx = coreFixture(config, { clock });
    f = fx;
    const schedule = () => (stopDefaults = scheduleDefaultRatings(clock, () => fx.terminal.generateDefaults(), silentLog));
    schedule();
    const t = () => fx.terminal;
    const tally = { rated: 0, records: 0, unrated: [] as string[], cancelled: 0, followUps: 0 };

    t().loginByBadge(BADGE);
    expect(t().state()).toBe('serving');

    /** One citizen: the invitation, then what they do. */
    const citizen = async (kind: 'good' | 'bad-with-reason' | 'bad-walks-away' | 'walks-away') => {
      const { sessionId } = await t().openSession({});
      expect(t().state()).toBe('inviting');
      clock.advance(8_000);
      if (kind === 'walks-away') {
        clock.advance(22_000);
        expect(t().getSession(sessionId).status).toBe('unrated');
        tally.unrated.push(sessionId);
        return;
      }
      t().choose(sessionId, 0, kind === 'good' ? 5 : 1, '4');
      tally.rated += 1;
      tally.records += 1;
      if (kind === 'bad-with-reason') {
        expect(t().state()).toBe('follow-up');
        clock.advance(20_000);
        t().submitFollowUp(sessionId, { tags: ['101'], answers: { guide: 'n' }, comment: '等了很久' });
        tally.followUps += 1;
      } else if (kind === 'bad-walks-away') {
        expect(t().state()).toBe('follow-up');
        clock.advance(60_000);
      }
      expect(t().state()).toBe('thanks');
      clock.advance(THANKS_MS);
      expect(t().state()).toBe('serving');
    };

    // Morning: a citizen every six minutes until noon.
    const kinds = ['good', 'good', 'walks-away', 'bad-with-reason', 'good', 'bad-walks-away'] as const;
    let i = 0;
    while (clock.now() < MONDAY_0830 + 3.5 * HOUR) {
      const next = clock.now() + 6 * MIN;
      await citizen(kinds[i++ % kinds.length] ?? 'good');
      clock.advance(next - clock.now());
    }

    // Lunch: paused, no invitation opens; back at 13:30.
    t().pause();
    await expect(t().openSession({})).rejects.toMatchObject({ code: 'PAUSED' });
    clock.advance(1.5 * HOUR);
    t().resume();

    // A burst: four ratings within two minutes, the fourth flagged.
    for (let b = 0; b < 4; b++) {
      const { sessionId } = await t().openSession({});
      clock.advance(2_000);
      t().choose(sessionId, 0, 5, '4');
      tally.rated += 1;
      tally.records += 1;
      clock.advance(THANKS_MS + 20_000);
    }
    const flags = new Outbox(fx.db)
      .list()
      .slice(-4)
      .map((e) => e.record.flags);
    expect(flags.slice(0, 3).every((fl) => !fl.includes('burst'))).toBe(true);
    expect(flags[3]).toContain('burst');

    // The business system cancels one; a colleague badges in over an open invitation, which is cancelled too.
    const cancelled = await t().openSession({});
    t().cancelSession(cancelled.sessionId);
    const swapped = await t().openSession({});
    t().loginByBadge(BADGE_2);
    expect(t().getSession(swapped.sessionId).status).toBe('cancelled');
    tally.cancelled += 2;
    expect(t().currentStaff()?.staffId).toBe('SM0013');

    // Afternoon until 17:30, then logout; the terminal is restarted at 20:00.
    while (clock.now() < MONDAY_0830 + 9 * HOUR) {
      const next = clock.now() + 10 * MIN;
      await citizen(kinds[i++ % kinds.length] ?? 'good');
      clock.advance(next - clock.now());
    }
    t().logout();
    expect(t().state()).toBe('closed');
    clock.advance(MONDAY_0830 + 11.5 * HOUR - clock.now());
    stopDefaults();
    fx = fx.reopen();
    f = fx;
    schedule();
    expect(t().state()).toBe('closed');

    // Tuesday 08:59: at the last hourly check (08:00) no Monday walk-away was a day old yet (the first closed at 08:42).
    const tuesday0830 = MONDAY_0830 + 24 * HOUR;
    clock.advance(tuesday0830 + 29 * MIN - clock.now());
    const outbox = new Outbox(fx.db);
    const defaults = () => outbox.list().filter((e) => e.record.evaluateType === 3);
    expect(defaults()).toHaveLength(0);
    // By Tuesday evening every Monday walk-away has exactly one default rating, and nothing else was added.
    clock.advance(10 * HOUR);
    expect(
      defaults()
        .map((e) => e.record.groupId)
        .sort(),
    ).toEqual([...tally.unrated].sort());
    expect(defaults().every((e) => e.record.satisfaction === 3)).toBe(true);

    const all = outbox.list();
    expect(all).toHaveLength(tally.records + tally.unrated.length);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, n) => n + 1));
    expect(verifyChain(all.map((e) => e.record))).toBeNull();
    expect(all.filter((e) => e.record.writingEvaluation === '等了很久')).toHaveLength(tally.followUps);
    expect(outbox.counts()).toMatchObject({ held: 0, pending: all.length });
    expect(tally.unrated.length).toBeGreaterThan(5);
    // Only the hourly default-rating job and the free-space check are still scheduled: no invitation, Thanks or
    // notice timer is left behind.
    expect(clock.scheduled).toBe(2);
    // How long the day took for real, for the notes (not asserted: this machine is shared).
    process.stdout.write(
      `window day: ${tally.rated} ratings, ${tally.unrated.length} walk-aways, ${tally.cancelled} cancelled in ${Math.round(performance.now() - started)} ms of real time\n`,
    );
  });
});
