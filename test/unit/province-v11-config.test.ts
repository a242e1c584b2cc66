import { afterEach, describe, expect, it } from 'vitest';
import { hallOpen } from '../../main/bridge/hall-hours.js';
import { parseProvinceConfig } from '../../main/core/config.js';
import { workingDayCutoff } from '../../main/core/working-days.js';
import { parseProvisioning } from '../../main/provisioning/apply.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { BADGE, provisioningFile } from '../helpers/fixtures.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { coreFixture, testConfig, type CoreFixture } from '../helpers/core.js';

const DAY = 86_400_000;
/** 10:00 China Standard Time on a given day of November or December 2026. */
const cst = (month: 11 | 12, day: number, hour = 10) => Date.UTC(2026, month - 1, day, hour - 8);

let f: CoreFixture | null = null;
afterEach(() => f?.cleanup());

/** A session opened and left unrated at `closedAt`; then the clock moves to each of `checks`, asking for defaults. */
async function unratedAt(closedAt: number, rating: Record<string, unknown>) {
  const clock = new FakeClock(closedAt - 30_000);
  clock.isTrusted = true;
  f = coreFixture(testConfig({ timeoutSeconds: 30, ...rating }), { clock });
  f.terminal.loginByBadge(BADGE);
  await f.terminal.openSession({});
  clock.advance(30_000);
  const fx = f;
  const at = (t: number) => {
    clock.advance(t - clock.now());
    return fx.terminal.generateDefaults();
  };
  return Object.assign(at, { records: () => new Outbox(fx.db).list().map((e) => e.record) });
}

describe('默认评价 by working days (v1.1, 云南: 5 个工作日)', () => {
  it('skips the weekend: closed on Friday, due at midnight after the fifth working day, the next Friday', async () => {
    // Friday 20 November 2026.
    const at = await unratedAt(cst(11, 20), { defaultAfterWorkingDays: 5 });
    expect(at(cst(11, 27, 23))).toBe(0); // Friday 27th, 23:00: the fifth working day is not over
    expect(at(cst(11, 28, 0) + 60_000)).toBe(1); // Saturday 00:01
    expect(at.records()[0]).toMatchObject({ evaluateType: 3, satisfaction: 3 });
  });

  it('does not count a holiday, and counts a weekend workday (调休)', async () => {
    // Closed Monday 23rd; Wednesday 25th a holiday; Saturday 28th worked instead.
    const rating = { defaultAfterWorkingDays: 5, holidays: ['2026-11-25'], workdays: ['2026-11-28'] };
    const at = await unratedAt(cst(11, 23), rating);
    // Working days after the 23rd: Tue 24, Thu 26, Fri 27, Sat 28 (调休), Mon 30 → due Tuesday 1 December.
    expect(at(cst(11, 30, 23))).toBe(0);
    expect(at(cst(12, 1, 0) + 60_000)).toBe(1);
  });

  it('wins over calendar days when both are set', async () => {
    const at = await unratedAt(cst(11, 20), { defaultAfterDays: 1, defaultAfterWorkingDays: 2 });
    expect(at(cst(11, 22))).toBe(0); // Sunday: two calendar days, no working day yet
    expect(at(cst(11, 25, 0) + 60_000)).toBe(1); // after Mon 23 and Tue 24
  });

  it('finds the cutoff without looping forever when every day is a holiday', () => {
    const allHolidays = Array.from({ length: 400 }, (_, i) => new Date(cst(11, 1) - i * DAY).toISOString().slice(0, 10));
    expect(Number.isFinite(workingDayCutoff(cst(11, 1), 5, allHolidays, []))).toBe(true);
  });
});

describe('the default record’s channel', () => {
  it('is the terminal’s own: 5 where it has a keypad, 4 for a touch screen alone', async () => {
    const clock = new FakeClock(cst(11, 20));
    clock.isTrusted = true;
    f = coreFixture(testConfig({ defaultAfterDays: 1 }), { clock, channel: '5' });
    f.terminal.loginByBadge(BADGE);
    await f.terminal.openSession({});
    clock.advance(30_000 + DAY + 60_000);
    expect(f.terminal.generateDefaults()).toBe(1);
    expect(new Outbox(f.db).list()[0]?.record.pf).toBe('5');
  });
});

describe('province config tolerance (v1.1: null is absent)', () => {
  const withNulls = {
    configVersion: '18',
    terminal: { hallName: '三明市行政服务中心', windowName: null, deptCode: null },
    staff: [
      { staffId: 'SM0012', name: '张三', title: null, deptCode: null, badgeIds: ['0A1B2C3D4E'], photo: null },
      { staffId: 'SM0014', name: '王五', photo: 'data:image/png;base64,iVBORw0KGgo=' },
    ],
    tags: { version: '3', byLevel: { '1': [{ code: '101', text: '办事效率低' }], '5': null } },
    questions: null,
    rating: { scale: 'manyi', defaultAfterDays: null, defaultAfterWorkingDays: null, holidays: null, staticQrUrl: null },
  };

  it('applies a config whose optional fields are null, keeping every staff member', () => {
    const parsed = parseProvinceConfig(withNulls);
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.data.staff.map((s) => s.staffId)).toEqual(['SM0012', 'SM0014']);
    expect(parsed.data.staff[0]?.photo).toBeUndefined();
    expect(parsed.data.rating).toMatchObject({ defaultAfterDays: null, holidays: [] });
  });

  it('still refuses a required field sent as null', () => {
    const parsed = parseProvinceConfig({ ...withNulls, staff: [{ staffId: 'SM0012', name: null }] });
    expect(parsed.success).toBe(false);
  });

  it('reads null as absent in a provisioning file’s offlineConfig too', () => {
    const file = provisioningFile();
    const offline = file['offlineConfig'] as { staff: Record<string, unknown>[] };
    const withNullPhoto = { ...file, offlineConfig: { ...offline, staff: offline.staff.map((s) => ({ ...s, photo: null })) } };
    expect(parseProvisioning(withNullPhoto).offlineConfig?.staff).toHaveLength(2);
  });
});

describe('hall hours', () => {
  const hours = { mon: ['08:30-12:00', '13:30-17:30'], sat: ['09:00-12:00'] };
  it('are open inside a period of the day, China Standard Time, and closed between periods, on other days and at night', () => {
    expect(hallOpen(cst(11, 23, 9), hours)).toBe(true); // Monday 09:00 CST
    expect(hallOpen(Date.UTC(2026, 10, 23, 4, 45), hours)).toBe(false); // Monday 12:45 CST: lunch
    expect(hallOpen(Date.UTC(2026, 10, 23, 5, 30), hours)).toBe(true); // Monday 13:30 CST
    expect(hallOpen(Date.UTC(2026, 10, 23, 9, 30), hours)).toBe(false); // Monday 17:30 CST: closed
    expect(hallOpen(cst(11, 24, 10), hours)).toBe(false); // Tuesday: no periods
    expect(hallOpen(cst(11, 28, 10), hours)).toBe(true); // Saturday morning
    expect(hallOpen(cst(11, 28, 10), undefined)).toBe(true); // no hall hours: always open
  });
});
