import type { Page } from '@playwright/test';
import { until } from '../helpers/sync-rig.js';

/**
 * Wall-clock milliseconds with sub-millisecond resolution; Chromium's page reads the same clock the same way. The
 * global `performance`, not node:perf_hooks': an imported name would be rewritten inside the functions sent to the page.
 */
export const epoch = () => performance.timeOrigin + performance.now();

interface Stamps {
  hcpSeen: number[];
  hcpWant: string | null;
  /** Each pointer-down on a rating button: when it happened, and whether the first frame after it showed it pressed. */
  hcpDowns: { at: number; handled: number; frame: number; pressed: boolean }[];
  /** Each lift of a finger from a rating button (the choice is sent from it): when the page handled it (not the
   * event's timeStamp, which is the lift as the hardware stamped it). */
  hcpLifts: number[];
}

/**
 * Stamps, in the page, the moment a selector first matches after `arm()` (a MutationObserver, so no polling delay),
 * and every pointer-down with the first animation frame after it.
 */
export async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Stamps;
    w.hcpSeen = [];
    w.hcpWant = null;
    w.hcpDowns = [];
    w.hcpLifts = [];
    new MutationObserver(() => {
      if (w.hcpWant && document.querySelector(w.hcpWant)) {
        w.hcpWant = null;
        w.hcpSeen.push(performance.timeOrigin + performance.now());
      }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    document.addEventListener(
      'pointerdown',
      (e) => {
        const at = performance.timeOrigin + e.timeStamp;
        const handled = performance.timeOrigin + performance.now();
        // A frame callback runs before that frame's style and paint: what is in the DOM now is what it shows.
        requestAnimationFrame((ts) => {
          w.hcpDowns.push({ at, handled, frame: performance.timeOrigin + ts, pressed: document.querySelector('.level.pressed') !== null });
        });
      },
      { capture: true },
    );
    document.addEventListener(
      'pointerup',
      (e) => {
        if (e.target instanceof Element && e.target.closest('.level')) w.hcpLifts.push(performance.timeOrigin + performance.now());
      },
      { capture: true },
    );
  });
}

export const arm = (page: Page, selector: string) =>
  page.evaluate((s) => {
    (window as unknown as Stamps).hcpWant = s;
  }, selector);

export const stampCount = (page: Page) => page.evaluate(() => (window as unknown as Stamps).hcpSeen.length);

/** The n-th stamp the page took (the stamp, not when this poll saw it, is the figure). */
export async function seen(page: Page, n: number): Promise<number> {
  const at = await until(
    () => page.evaluate((k) => (window as unknown as Stamps).hcpSeen[k - 1] ?? null, n),
    (x) => x !== null,
    20_000,
    `the page showing it (stamp ${String(n)})`,
  );
  return at ?? NaN;
}

/** The n-th pointer-down the page saw. */
export async function down(page: Page, n: number): Promise<{ at: number; handled: number; frame: number; pressed: boolean }> {
  const d = await until(
    () => page.evaluate((k) => (window as unknown as Stamps).hcpDowns[k - 1] ?? null, n),
    (x) => x !== null,
    20_000,
    `pointer-down ${String(n)} and its frame`,
  );
  if (!d) throw new Error('no pointer-down');
  return d;
}

/** The n-th lift from a rating button the page handled. */
export async function lifted(page: Page, n: number): Promise<number> {
  const at = await until(
    () => page.evaluate((k) => (window as unknown as Stamps).hcpLifts[k - 1] ?? null, n),
    (x) => x !== null,
    20_000,
    `lift ${String(n)}`,
  );
  return at ?? NaN;
}

/** Stamps the frame after the one that rendered Serving: the first moment it can be on the glass. */
export async function stampFirstPaint(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { hcpPainted: number | null };
    w.hcpPainted = null;
    const seen = new MutationObserver(() => {
      if (!document.querySelector('.app[data-state="serving"]')) return;
      seen.disconnect();
      requestAnimationFrame(() => requestAnimationFrame(() => (w.hcpPainted = performance.timeOrigin + performance.now())));
    });
    seen.observe(document, { subtree: true, childList: true, attributes: true });
  });
}

export async function firstPaint(page: Page): Promise<number> {
  await page.waitForFunction(() => (window as unknown as { hcpPainted: number | null }).hcpPainted !== null, null, { polling: 10, timeout: 30_000 });
  return page.evaluate(() => (window as unknown as { hcpPainted: number }).hcpPainted);
}
