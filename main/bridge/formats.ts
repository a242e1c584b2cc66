/**
 * Formats every side agrees on: the API, the bridge, the provisioning file, the province config and the renderer.
 * Pure and import-free, so the renderer may import it too.
 */

/** A badge id as readers deliver it: 4–32 hex digits (EM4100 cards are 10). */
export const BADGE_ID = /^[0-9A-Fa-f]{4,32}$/;
export const BADGE_ID_MESSAGE = 'a badge id is 4–32 hex digits';

/** A badge id as logs and messages may show it: the last four digits, enough to tell two cards apart. */
export function maskBadge(id: string): string {
  return '…' + id.slice(-4).toUpperCase();
}

/** A staff or technician PIN. */
export const PIN = /^\d{4,12}$/;
export const PIN_MESSAGE = 'a PIN is 4 to 12 digits';

/** A mainland mobile number, as a citizen leaves it for a call-back. */
export const MOBILE_PHONE = /^1\d{10}$/;
export const MOBILE_PHONE_MESSAGE = 'a mainland mobile number of 11 digits';

/** China Standard Time (UTC+8, no daylight saving): records, "today" and the header clock use it whatever the machine's zone. */
export const CST_OFFSET_MS = 8 * 3600_000;

/** `yyyy-MM-dd HH:mm:ss` in China Standard Time. */
export function formatCst(ms: number): string {
  const d = new Date(ms + CST_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Start of the CST day containing `ms`. */
export function startOfCstDay(ms: number): number {
  return Math.floor((ms + CST_OFFSET_MS) / 86_400_000) * 86_400_000 - CST_OFFSET_MS;
}

/** A phone number as screens show it once typed: 138****1234 (screens.md: never unmasked). */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '*'.repeat(phone.length);
}
