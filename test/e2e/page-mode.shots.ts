import { fileURLToPath } from 'node:url';
import { settled } from './terminal-fixture.js';
import { expect, invite, test } from './page-fixture.js';

/** `npm run screenshots`: page mode (province-page.md) beside the other citizen screens under docs/screens/. */
const out = (name: string) => fileURLToPath(new URL(`../../docs/screens/${name}.png`, import.meta.url));

for (const [w, h, suffix] of [
  [1280, 800, ''],
  [800, 1280, '-portrait'],
] as const) {
  test(`page mode at ${w}×${h}`, async ({ page, rig }) => {
    await page.setViewportSize({ width: w, height: h });
    await invite(page, rig);
    await expect(page.frameLocator('iframe.page-frame').getByRole('heading', { name: '省好差评 · 请评价' })).toBeVisible();
    await settled(page);
    await page.screenshot({ path: out(`province-page${suffix}`) });
  });
}
