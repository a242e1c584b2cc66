/**
 * Hall hours (`hallHours` in the config): per weekday, the periods the hall is open, e.g. mon: ["08:30-12:00",
 * "13:30-17:30"]. Pure and import-free: the terminal and the screen read them alike, in China Standard Time.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type HallHours = Partial<Record<Weekday, string[]>>;
export const PERIOD = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;

const CST_MS = 8 * 3600_000;

/** Whether the hall is open at `ms`; without hall hours it always is (the screen then sleeps only when closed). */
export function hallOpen(ms: number, hours: HallHours | undefined): boolean {
  if (!hours) return true;
  const d = new Date(ms + CST_MS);
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  const toMin = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
  return (hours[WEEKDAYS[d.getUTCDay()] ?? 'sun'] ?? []).some((p) => PERIOD.test(p) && minute >= toMin(p.slice(0, 5)) && minute < toMin(p.slice(6, 11)));
}
