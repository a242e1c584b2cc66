import { fileURLToPath } from 'node:url';
import { BADGE } from '../helpers/fixtures.js';
import { expect, test, openKiosk, settled } from './terminal-fixture.js';
import { ITEMS, LIMITS } from './content-at-limits.js';

/** `npm run screenshots`: the citizen screens as committed under docs/screens/ and linked from the README. */
const out = (name: string) => fileURLToPath(new URL(`../../docs/screens/${name}.png`, import.meta.url));
const ITEM = { taskCode: '11350400MB0000001X', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' };
const ITEM_2 = { taskCode: '11350400SW0000002X', taskName: '税务登记信息变更', deptCode: 'SW', deptName: '税务局' };

for (const [w, h, suffix] of [
  [1280, 800, ''],
  [800, 1280, '-portrait'],
] as const) {
  test(`citizen screens at ${w}×${h}`, async ({ page, hcp }) => {
    const { api } = hcp;
    await page.setViewportSize({ width: w, height: h });
    await openKiosk(page, hcp.terminal);
    await expect(page.getByText('窗口暂停服务')).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`closed${suffix}`) });
    await api.post('/staff/login', { badgeId: BADGE });
    await expect(page.getByText('欢迎光临')).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`serving${suffix}`) });
    await api.post('/sessions', { projectNo: 'BJ20261124001', items: [ITEM] });
    await expect(page.getByRole('button', { name: '满意', exact: true })).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`inviting${suffix}`) });
    await page.getByRole('button', { name: '不满意', exact: true }).click();
    await expect(page.getByRole('heading', { name: /请告诉我们原因/ })).toBeVisible();
    await page.getByRole('button', { name: '等候时间长' }).click();
    await settled(page);
    await page.screenshot({ path: out(`follow-up${suffix}`) });
    await page.getByRole('button', { name: /意见和建议/ }).click();
    for (const k of 'deng') await page.locator(`[data-skbtn="${k}"]`).first().click();
    await settled(page);
    await page.screenshot({ path: out(`keyboard${suffix}`) });
    await page.locator('.hg-candidate-box-list-item', { hasText: '等' }).first().click();
    await page.locator('[data-skbtn="{done}"]').click();
    await page.getByRole('button', { name: '提交' }).click();
    await expect(page.getByText('感谢您的评价')).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`thanks${suffix}`) });
    await expect(page.getByText('欢迎光临')).toBeVisible({ timeout: 10_000 });

    await api.post('/sessions', { items: [ITEM, ITEM_2], mode: 'choose' });
    await expect(page.getByRole('heading', { name: '请选择评价方式' })).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`choose-mode${suffix}`) });
    await page.getByRole('button', { name: /一次评价全部/ }).click();
    await page.getByRole('button', { name: '长辈模式' }).click();
    await expect(page.locator('html')).toHaveClass(/elderly/);
    await settled(page);
    await page.screenshot({ path: out(`elderly${suffix}`) });
    await page.getByRole('button', { name: '非常满意', exact: true }).click();
    await expect(page.getByText('欢迎光临')).toBeVisible({ timeout: 10_000 });

    await page.getByRole('button', { name: /Language/ }).click();
    await page.getByRole('button', { name: 'English', exact: true }).click();
    await api.post('/sessions', { projectNo: 'BJ20261124002', items: [ITEM] });
    await expect(page.getByRole('button', { name: 'Satisfied', exact: true })).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`english${suffix}`) });
    await page.getByRole('button', { name: 'Satisfied', exact: true }).click();
    await expect(page.getByText('欢迎光临')).toBeVisible({ timeout: 10_000 });

    await api.post('/staff/pause');
    await expect(page.getByText('暂停服务').first()).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`paused${suffix}`) });
  });
}

test.describe('every field at its limit', () => {
  test.use({ provisioning: LIMITS });
  for (const [w, h, suffix] of [
    [1280, 800, ''],
    [800, 1280, '-portrait'],
  ] as const) {
    test(`twenty long items, a 64-character name, twenty tags at ${w}×${h}`, async ({ page, hcp }) => {
      const { api } = hcp;
      await page.setViewportSize({ width: w, height: h });
      await openKiosk(page, hcp.terminal);
      await api.post('/staff/login', { badgeId: BADGE });
      await expect(page.locator('[data-state="serving"]')).toBeVisible();
      await api.post('/sessions', { items: ITEMS });
      await expect(page.locator('.level')).toHaveCount(5);
      await settled(page);
      await page.screenshot({ path: out(`inviting-long-items${suffix}`) });
      await page.locator('.level-1').click();
      await expect(page.locator('.chip')).toHaveCount(20);
      await settled(page);
      await page.screenshot({ path: out(`follow-up-many-tags${suffix}`) });
    });
  }
});
