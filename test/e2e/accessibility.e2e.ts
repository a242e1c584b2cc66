import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { BADGE } from '../helpers/fixtures.js';
import { expect, openKiosk, settled, test } from './terminal-fixture.js';

const ITEMS = [
  { taskCode: 'T-SC-1', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' },
  { taskCode: 'T-SW-1', taskName: '税务登记信息变更', deptCode: 'SW', deptName: '税务局' },
];

/**
 * Serious and critical WCAG 2.x A/AA findings on the page as it is now, named with the screen for the report.
 * `label-content-name-mismatch` (2.5.3 Label in Name, level A) is experimental in axe, so its tags alone do not run
 * it: it is switched on by name. A voice-control user says what a control shows; its name must contain that.
 */
async function audit(page: Page, screen: string): Promise<string[]> {
  await settled(page);
  const r = await new AxeBuilder({ page })
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact ?? ''}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const [w, h] of [
  [1280, 800],
  [800, 1280],
] as const) {
  for (const variant of ['normal', 'elderly', 'English'] as const) {
    test(`every citizen screen at ${String(w)}×${String(h)}, ${variant}: no serious or critical axe finding`, async ({ page, hcp }) => {
      // Eight audits of a whole page each, on a loaded machine.
      test.setTimeout(180_000);
      await page.setViewportSize({ width: w, height: h });
      const { api } = hcp;
      const found: string[] = [];
      await openKiosk(page, hcp.terminal);
      await expect(page.getByText('窗口暂停服务')).toBeVisible();
      found.push(...(await audit(page, 'closed')));
      await api.post('/staff/login', { badgeId: BADGE });
      await expect(page.locator('[data-state="serving"]')).toBeVisible();
      const setUp = async () => {
        if (variant === 'elderly') await page.getByRole('button', { name: '长辈模式' }).click();
        if (variant === 'English') {
          await page.getByRole('button', { name: /Language/ }).click();
          found.push(...(await audit(page, 'language menu')));
          await page.getByRole('button', { name: 'English', exact: true }).click();
        }
      };
      await setUp();
      found.push(...(await audit(page, 'serving')));
      await api.post('/sessions', { mode: 'choose', items: ITEMS });
      await expect(page.locator('.choose-mode')).toBeVisible();
      found.push(...(await audit(page, 'choose mode')));
      await page.locator('.mode-choice').first().click();
      await expect(page.locator('.level-2')).toBeVisible();
      found.push(...(await audit(page, 'inviting')));
      await page.locator('.level-2').click();
      await expect(page.locator('[data-state="follow-up"]')).toBeVisible();
      found.push(...(await audit(page, 'follow-up')));
      await page.locator('.fu-input').first().click();
      await expect(page.getByTestId('on-screen-keyboard')).toBeVisible();
      found.push(...(await audit(page, 'keyboard')));
      // Keys are at least 48 px, and the whole keyboard is on the screen.
      for (const box of await page.locator('.hg-button').evaluateAll((keys) => keys.map((k) => k.getBoundingClientRect()))) {
        expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(48);
      }
      await expect(page.getByTestId('on-screen-keyboard')).toBeInViewport({ ratio: 1 });
      await page.locator('[data-skbtn="{done}"]').click();
      await page.locator('.fu-actions .btn.primary').click();
      await expect(page.locator('[data-state="thanks"]')).toBeVisible();
      found.push(...(await audit(page, 'thanks')));
      await expect(page.locator('[data-state="serving"]')).toBeVisible({ timeout: 10_000 });
      await setUp();
      await api.post('/staff/pause');
      await expect(page.locator('[data-state="paused"]')).toBeVisible();
      found.push(...(await audit(page, 'paused')));
      expect(found).toEqual([]);
    });
  }
}

/**
 * WCAG 2.5.3 Label in Name: a voice-control user says what a control shows (“点此输入”, “Tap to type”, the masked
 * number) and must reach it. The follow-up's comment and phone fields, in both orientations and both languages.
 */
for (const [w, h] of [
  [1280, 800],
  [800, 1280],
] as const) {
  for (const locale of ['zh-CN', 'English'] as const) {
    test(`the follow-up at ${String(w)}×${String(h)}, ${locale}: each field's name contains what it shows`, async ({ page, hcp }) => {
      await page.setViewportSize({ width: w, height: h });
      const { api } = hcp;
      await openKiosk(page, hcp.terminal);
      await api.post('/staff/login', { badgeId: BADGE });
      await expect(page.locator('[data-state="serving"]')).toBeVisible();
      if (locale === 'English') {
        await page.getByRole('button', { name: /Language/ }).click();
        await page.getByRole('button', { name: 'English', exact: true }).click();
      }
      await api.post('/sessions', { items: [ITEMS[0]] });
      await page.locator('.level-2').click();
      await expect(page.locator('[data-state="follow-up"]')).toBeVisible();
      const shows = locale === 'English' ? 'Tap to type' : '点此输入';
      await expect(page.locator('.fu-input')).toHaveCount(2);
      expect(await audit(page, 'follow-up')).toEqual([]);
      // Said as shown, each field answers; and it is still found by its label.
      await expect(page.getByRole('button', { name: shows })).toHaveCount(2);
      await expect(page.getByRole('button', { name: locale === 'English' ? /Comments/ : /意见和建议/ })).toHaveCount(1);

      // Once typed, the field shows the masked number, and that is what its name says too.
      await page.getByRole('button', { name: locale === 'English' ? /Mobile number/ : /手机号码/ }).click();
      for (const k of '13812341234') await page.getByTestId('on-screen-keyboard').locator(`[data-skbtn="${k}"]`).first().click();
      await page.locator('[data-skbtn="{done}"]').click();
      await expect(page.getByRole('button', { name: '138****1234' })).toHaveCount(1);
      expect(await audit(page, 'follow-up, phone typed')).toEqual([]);
    });
  }
}
