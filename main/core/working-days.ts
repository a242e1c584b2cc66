import { CST_OFFSET_MS } from '../bridge/formats.js';

const DAY_MS = 86_400_000;

/** The ISO date (China Standard Time) of the day that starts at `dayStart`. */
function isoDay(dayStart: number): string {
  return new Date(dayStart + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Whether a day is a working day: Monday to Friday, less the holidays, plus the weekend days worked (调休). */
export function isWorkingDay(dayStart: number, holidays: ReadonlySet<string>, workdays: ReadonlySet<string>): boolean {
  const iso = isoDay(dayStart);
  if (workdays.has(iso)) return true;
  if (holidays.has(iso)) return false;
  const weekday = new Date(dayStart + CST_OFFSET_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * 默认评价 by working days (云南: 5 个工作日): sessions closed before the returned time have had `n` full working days
 * since the day they closed. Counted back from yesterday, since today is not over; a session closed on a Friday with
 * n = 5 is due at midnight after the next Friday (later if a holiday falls between).
 */
export function workingDayCutoff(now: number, n: number, holidays: readonly string[], workdays: readonly string[]): number {
  const off = new Set(holidays);
  const on = new Set(workdays);
  const today = Math.floor((now + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
  let day = today;
  let counted = 0;
  // A year of holidays cannot stop the walk: at most n working days among n * 7 + 366 days.
  for (let i = 0; counted < n && i < n * 7 + 366; i++) {
    day -= DAY_MS;
    if (isWorkingDay(day, off, on)) counted++;
  }
  return day;
}
