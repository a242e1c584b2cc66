import type { Page } from '@playwright/test';
import { stats, type Stats } from './figures.js';
import { tapped, type Tap } from './page-stamps.js';

/**
 * Touch to screen as issue 27 measures it from outside: Playwright's `touchscreen.tap` on 满意, from the lift's own
 * `timeStamp` to the frame after the pressed level, and after Thanks. The first taps after the page opens (a cold page:
 * nothing compiled, no Thanks laid out yet) are a figure of their own, not a warm-up thrown away.
 */
export const COLD_TAPS = 15;

/**
 * `HCP_BENCH_TAP_PACE_MS`: how long after the invitation is on screen the finger lifts. 0 (the default, and what the
 * recorded figures use unless they say otherwise) taps the moment it is there, while the page is still drawing it.
 */
const TAP_PACE_MS = Number(process.env['HCP_BENCH_TAP_PACE_MS'] ?? 0);

/** A finger on 满意, as the touch screen sends it (touchstart/touchend, the pointer events and the click after them). */
async function tap(page: Page): Promise<void> {
  const box = await page.locator('.level-4').boundingBox();
  if (!box) throw new Error('no 满意 button');
  await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
}

/** A tap, and the CPU the machine's other processes used while it was on its way (`othersCpu`), ms; NaN unread. */
export type MeasuredTap = Tap & { othersMs: number };

/**
 * `n` taps, each on a fresh invitation (`invite`), numbered on from the `before` taps the page has already seen.
 * `othersCpu`, if given, reads the CPU time used so far outside the kiosk and the bench's driver, ms.
 */
export async function taps(page: Page, n: number, before: number, invite: () => Promise<void>, othersCpu?: () => number): Promise<MeasuredTap[]> {
  const out: MeasuredTap[] = [];
  for (let i = 0; i < n; i++) {
    await invite();
    if (TAP_PACE_MS > 0) await new Promise((res) => setTimeout(res, TAP_PACE_MS));
    const others = othersCpu?.() ?? NaN;
    await tap(page);
    const t = await tapped(page, before + i + 1);
    out.push({ ...t, othersMs: (othersCpu?.() ?? NaN) - others });
  }
  return out;
}

export interface TouchFigure {
  key: string;
  name: string;
  value: Stats;
  goal: string;
  met: boolean;
}

const worst = (xs: readonly number[]): Stats => ({ ...stats(xs), p99: Math.max(...xs) });

/** The goals' figures for one set of taps, and what the older measure made of the same taps. */
export function touchFigures(which: 'cold' | 'steady', xs: readonly Tap[], half: boolean): TouchFigure[] {
  // With 15 taps a p99 is the worst of them: say so.
  const s = which === 'cold' ? worst : stats;
  const of = which === 'cold' ? `the first ${String(xs.length)} taps after the page opened (p99 = the worst)` : `${String(xs.length)} taps after those`;
  const pressed = s(xs.map((t) => t.pressedFrame - t.up));
  const thanks = s(xs.map((t) => t.thanksFrame - t.up));
  // The goals are issue 27's, at half a core; at full speed the same figures are printed beside them.
  const goal = (ms: number, x: Stats) => (half ? { goal: `p99 ≤ ${String(ms)} ms`, met: x.p99 <= ms } : { goal: 'information', met: true });
  return [
    {
      key: `${which}-lift-pressed`,
      name: `${of}: the lift (pointerup's timeStamp) → the frame after the pressed level is in the DOM`,
      value: pressed,
      ...goal(50, pressed),
    },
    {
      key: `${which}-lift-thanks`,
      name: `${of}: the lift (pointerup's timeStamp) → the frame after Thanks is in the DOM`,
      value: thanks,
      ...goal(100, thanks),
    },
    ...(
      [
        ['old', 'the older measure of the same taps: pointer-down → Thanks in the DOM', (t: Tap) => t.thanksIn - t.down],
        ['down-up', 'of which before the lift: pointer-down → pointer-up (timeStamps)', (t: Tap) => t.up - t.down],
        ['up-handled', 'the lift → the page handling it', (t: Tap) => t.upHandled - t.up],
        ['sent', 'the lift → the choice handed to the socket', (t: Tap) => t.sent - t.up],
        ['view', 'the choice sent → the terminal’s Thanks view arriving (its commit and the round trip)', (t: Tap) => t.viewIn - t.sent],
        ['render', 'the Thanks view arriving → Thanks in the DOM', (t: Tap) => t.thanksIn - t.viewIn],
        ['thanks-in', 'the lift → Thanks in the DOM', (t: Tap) => t.thanksIn - t.up],
        ['thanks-frame', 'Thanks in the DOM → the frame after it (what the older measure left out at its end)', (t: Tap) => t.thanksFrame - t.thanksIn],
      ] as const
    ).map(([k, name, f]) => ({ key: `${which}-${k}`, name: `${of}: ${name}`, value: s(xs.map(f)), goal: 'information', met: true })),
    // The very first tap apart: what a start leaves to do for the first time shows there, beside the others' median.
    ...(which === 'cold' && xs[0]
      ? (
          [
            ['first-thanks', 'the lift → the frame after Thanks', (t: Tap) => t.thanksFrame - t.up],
            ['first-sent', 'the lift → the choice handed to the socket', (t: Tap) => t.sent - t.up],
            ['first-view', 'the choice sent → the terminal’s Thanks view arriving', (t: Tap) => t.viewIn - t.sent],
            ['first-render', 'the Thanks view arriving → Thanks in the DOM', (t: Tap) => t.thanksIn - t.viewIn],
            ['first-frame', 'Thanks in the DOM → the frame after it', (t: Tap) => t.thanksFrame - t.thanksIn],
          ] as const
        ).map(([k, name, f]) => {
          const first = f(xs[0] as Tap);
          return {
            key: `${which}-${k}`,
            name: `the very first tap after the page opened: ${name} (median / p99 = that tap; the ${String(xs.length - 1)} after it: median ${stats(xs.slice(1).map(f)).median.toFixed(1)} ms)`,
            value: { median: first, p99: first, n: 1 },
            goal: 'information',
            met: true,
          };
        })
      : []),
  ];
}
