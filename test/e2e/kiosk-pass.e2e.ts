import type { Route } from '@playwright/test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BADGE } from '../helpers/fixtures.js';
import { expect, test } from './terminal-fixture.js';

/**
 * The kiosk window opens on the launch page, which posts the pass. A post that never comes back (the terminal busy at
 * the moment the window opened, or a submission the browser dropped) must not leave the window on that blank page.
 */
test('a kiosk pass claim that is never answered is posted again, and the window lands on the screen', async ({ page, hcp }) => {
  let held: Route | null = null;
  let posts = 0;
  await page.route('**/kiosk/claim', async (route) => {
    posts++;
    if (posts === 1) held = route;
    else await route.continue();
  });
  await page.clock.install();
  await page.goto(pathToFileURL(join(hcp.terminal.dataDir, 'kiosk', 'launch.html')).href, { waitUntil: 'commit' });
  await expect.poll(() => posts).toBe(1);
  await page.clock.runFor(10_000);
  await page.waitForURL(hcp.terminal.ready.ui);
  expect(posts).toBe(2);
  // The screen it landed on is the kiosk's own: a touch rates.
  expect((await hcp.api.post('/staff/login', { badgeId: BADGE })).status).toBe(200);
  const opened = await hcp.api.post('/sessions', {
    projectNo: 'BJ20261207001',
    items: [{ taskCode: 'T1', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' }],
  });
  const { sessionId } = opened.body as { sessionId: string };
  await page.getByRole('button', { name: '满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  expect((await hcp.api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 4 });
  await (held as Route | null)?.abort().catch(() => undefined);
});
