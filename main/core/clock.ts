/** The terminal's corrected clock: local time plus the offset learned from the province. */
export interface Clock {
  now(): number;
  /** Whether the offset to the province's clock is known (records carry it as `clockTrusted`). */
  trusted(): boolean;
}

export const systemClock: Clock = { now: () => Date.now(), trusted: () => false };

const CST_OFFSET_MS = 8 * 3600_000;

/** `yyyy-MM-dd HH:mm:ss` in China Standard Time, whatever the machine's time zone. */
export function formatCst(ms: number): string {
  const d = new Date(ms + CST_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Start of the CST day containing `ms`, for "today's" staff figures. */
export function startOfCstDay(ms: number): number {
  return Math.floor((ms + CST_OFFSET_MS) / 86_400_000) * 86_400_000 - CST_OFFSET_MS;
}
