import type { Page } from '@playwright/test';
import { BADGE } from '../helpers/fixtures.js';
import { fill, ITEMS, LIMITS } from './content-at-limits.js';
import { expect, openKiosk, test } from './terminal-fixture.js';

/**
 * The content contract (docs/citizens.md, screens.md "Never"): every field that reaches a citizen screen at the maximum
 * its schema allows, in both orientations, both languages and elderly mode, and the five level buttons still whole, on
 * screen and uncovered: the element at each of nine points of each button is that button. Six long 一件事 items once
 * put the QR box over 不满意 and 非常不满意; a 64-character name over all five.
 */

test.use({ provisioning: LIMITS });

/** Each element matching `selector` that is not whole on screen, or whose nine sample points hit something else. */
async function coveredOrOff(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const problems: string[] = [];
    for (const e of Array.from(document.querySelectorAll(sel))) {
      const r = e.getBoundingClientRect();
      const name = (e.getAttribute('aria-label') ?? e.textContent).slice(0, 24);
      if (r.width === 0 || r.height === 0) {
        problems.push(`${name}: not shown`);
        continue;
      }
      if (r.left < -0.5 || r.top < -0.5 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5) problems.push(`${name}: off the screen`);
      for (const fx of [0.15, 0.5, 0.85]) {
        for (const fy of [0.15, 0.5, 0.85]) {
          const hit = document.elementFromPoint(r.left + r.width * fx, r.top + r.height * fy);
          if (!hit || !(hit === e || e.contains(hit))) {
            problems.push(`${name}: at (${fx.toFixed(2)}, ${fy.toFixed(2)}) ${hit ? (hit.getAttribute('class') ?? hit.tagName) : 'nothing'} is in the way`);
          }
        }
      }
    }
    return problems;
  }, selector);
}

/** Every chip and answer of the follow-up can be reached in its scroll area and pressed there; 提交 and 跳过 are never covered. */
async function followUpUnreachable(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const hitAtCentre = (e: Element) => {
      const r = e.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && (hit === e || e.contains(hit));
    };
    const screen = document.querySelector('.screen');
    if (!screen) return ['no screen'];
    const area = screen.getBoundingClientRect();
    for (const e of Array.from(document.querySelectorAll('.fu-body button'))) {
      e.scrollIntoView({ block: 'nearest' });
      const r = e.getBoundingClientRect();
      if (r.top < area.top - 0.5 || r.bottom > area.bottom + 0.5) problems.push(`${e.textContent}: outside the screen once scrolled to`);
      else if (!hitAtCentre(e)) problems.push(`${e.textContent}: covered once scrolled to`);
    }
    for (const e of Array.from(document.querySelectorAll('.fu-actions button'))) if (!hitAtCentre(e)) problems.push(`${e.textContent}: covered`);
    if (screen.scrollHeight > screen.clientHeight + 1) problems.push('the whole screen scrolls');
    return problems;
  });
}

/** CSS pixels a module of each QR code shown takes (a phone reads 2 and more off the glass; elderly mode hides the invitation's). */
async function qrModulePx(page: Page): Promise<number[]> {
  return page
    .locator('svg.qr')
    .evaluateAll((qrs) =>
      qrs.filter((q) => q.getBoundingClientRect().width > 0).map((q) => q.getBoundingClientRect().width / Number(q.getAttribute('viewBox')?.split(' ')[2])),
    );
}

for (const [w, h] of [
  [1280, 800],
  [800, 1280],
] as const) {
  for (const mode of ['normal', 'elderly'] as const) {
    test(`every field at its limit, ${mode} mode at ${String(w)}×${String(h)}: the five buttons whole and uncovered, every tag and question reachable`, async ({
      page,
      hcp,
    }, info) => {
      test.setTimeout(150_000);
      await page.setViewportSize({ width: w, height: h });
      const { api } = hcp;
      await openKiosk(page, hcp.terminal);
      await api.post('/staff/login', { badgeId: BADGE });
      await expect(page.locator('[data-state="serving"]')).toBeVisible();
      await page.screenshot({ path: info.outputPath('serving.png') });
      expect(await coveredOrOff(page, '.serving-qr')).toEqual([]);
      for (const px of await qrModulePx(page)) expect(px).toBeGreaterThanOrEqual(2);
      // The citizen's language and elderly mode are theirs: both reset when an invitation ends, so they are set again.
      const choose = async (locale: 'zh-CN' | 'en') => {
        if (locale === 'en') {
          await page.getByRole('button', { name: /Language/ }).click();
          await page.getByRole('button', { name: 'English', exact: true }).click();
          await expect(page.locator('html')).toHaveAttribute('lang', 'en');
        }
        if (mode === 'elderly') {
          await page.locator('.header-toggle[aria-pressed]').click();
          await expect(page.locator('html')).toHaveClass(/elderly/);
        }
      };
      for (const locale of ['zh-CN', 'en'] as const) {
        await choose(locale);
        const combined = (await api.post('/sessions', { projectNo: fill('350402-2026-000000001-', 50), items: ITEMS })).body as { sessionId: string };
        await expect(page.locator('.level')).toHaveCount(5);
        await page.screenshot({ path: info.outputPath(`inviting-${locale}.png`) });
        expect(await coveredOrOff(page, '.level'), `inviting twenty items, ${locale}`).toEqual([]);
        for (const px of await qrModulePx(page)) expect(px).toBeGreaterThanOrEqual(2);
        await api.post(`/sessions/${combined.sessionId}/cancel`);
        await expect(page.locator('[data-state="serving"]')).toBeVisible();
        await choose(locale);
        await api.post('/sessions', { items: ITEMS.slice(0, 2), mode: 'per-item' });
        await expect(page.locator('.level')).toHaveCount(5);
        expect(await coveredOrOff(page, '.level'), `first of two items, ${locale}`).toEqual([]);
        await page.locator('.level-5').click();
        await expect(page.locator('.invite-item')).toContainText('2');
        expect(await coveredOrOff(page, '.level'), `second of two items, ${locale}`).toEqual([]);
        await page.locator('.level-1').click();
        await expect(page.locator('[data-state="follow-up"]')).toBeVisible();
        await expect(page.locator('.chip')).toHaveCount(20);
        await page.screenshot({ path: info.outputPath(`follow-up-${locale}.png`) });
        expect(await followUpUnreachable(page), `follow-up, ${locale}`).toEqual([]);
        await page.locator('.chip').last().click();
        await page.locator('.fu-actions .btn.primary').click();
        await expect(page.locator('[data-state="thanks"]')).toBeVisible();
        await expect(page.locator('[data-state="serving"]')).toBeVisible({ timeout: 15_000 });
      }
    });
  }
}
