import { afterEach, describe, expect, it } from 'vitest';
import { BADGE, BADGE_2 } from '../helpers/fixtures.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { coreFixture, TECH_PIN, testConfig, type CoreFixture } from '../helpers/core.js';

/** 09:00 China Standard Time on Tuesday 24 November 2026. */
const TUESDAY_0900 = Date.UTC(2026, 10, 24, 1, 0);
let f: CoreFixture | null = null;
afterEach(() => f?.cleanup());

describe('invitations nobody can quietly drop', () => {
  it('ends every invitation as rated, timed out, or cancelled with who cancelled it, and counts today’s by how they ended', async () => {
    const clock = new FakeClock(TUESDAY_0900);
    f = coreFixture(testConfig({ timeoutSeconds: 30 }), { clock });
    const t = f.terminal;
    t.loginByBadge(BADGE);
    const ids: Record<string, string> = {};
    const open = async (name: string) => (ids[name] = (await t.openSession({})).sessionId);

    await open('rated');
    clock.advance(6_000);
    t.choose(ids['rated'] ?? '', 0, 5, '4');
    clock.advance(5_000);
    await open('timedOut');
    clock.advance(31_000);
    await open('business');
    clock.advance(2_000);
    t.cancelSession(ids['business'] ?? '');
    await open('pause');
    clock.advance(10_000);
    t.pause();
    t.resume();
    await open('logout');
    clock.advance(1_000);
    t.logout();
    t.loginByBadge(BADGE);
    await open('staffChange');
    clock.advance(7_000);
    t.loginByBadge(BADGE_2);
    await open('maintenance');
    clock.advance(3_000);
    await t.technicianEnter(TECH_PIN);
    t.technicianExit();

    expect(t.status().invitations).toEqual({
      date: '2026-11-24',
      opened: 7,
      rated: 1,
      timedOut: 1,
      cancelled: { byStaff: 0, byBusinessSystem: 1, byPause: 1, byLogout: 1, byStaffChange: 1, byMaintenance: 1 },
      // The business system after 2 s, the logout after 1 s and the technician after 3 s: quick cancellations.
      cancelledWithinSeconds5: 3,
    });
    // Every session row is still there, with its end.
    expect(Object.values(ids).map((id) => t.getSession(id).status)).toEqual([
      'rated',
      'unrated',
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);

    // A new day counts afresh (China Standard Time: midnight is 16:00 UTC).
    clock.advance(Date.UTC(2026, 10, 24, 16, 0, 1) - clock.now());
    expect(t.status().invitations).toMatchObject({ date: '2026-11-25', opened: 0, rated: 0, cancelledWithinSeconds5: 0 });
  });

  it('counts an invitation left open by a crash as opened, never as rated, timed out or cancelled', async () => {
    const clock = new FakeClock(TUESDAY_0900);
    f = coreFixture(testConfig(), { clock });
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    f = f.reopen();
    expect(f.terminal.getSession(sessionId).status).toBe('unrated');
    expect(f.terminal.status().invitations).toMatchObject({ opened: 1, rated: 0, timedOut: 0, cancelledWithinSeconds5: 0 });
  });
});
