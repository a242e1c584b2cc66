import { expect, invite, test } from './page-fixture.js';

test('the citizen rates inside the province’s page; the terminal learns it from the province and thanks them', async ({ page, rig }) => {
  const sessionId = await invite(page, rig);
  const frame = page.frameLocator('iframe.page-frame');
  await expect(frame.getByRole('heading', { name: '省好差评 · 请评价' })).toBeVisible();
  await expect(page.getByRole('button', { name: '在终端上评价' })).toBeVisible();
  await expect(page.getByRole('img', { name: '扫码评价' })).toHaveCount(0);
  expect(rig.province.links[0]?.returnUrl).toBe(`${new URL(rig.host.uiUrl).origin}/page-return?session=${sessionId}`);
  await expect(page.locator('iframe.page-frame')).toHaveAttribute('sandbox', 'allow-scripts allow-forms allow-same-origin');

  await frame.getByRole('button', { name: '满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  const session = await rig.api.get(`/sessions/${sessionId}`);
  expect(session.body).toMatchObject({ sessionId, status: 'rated', satisfaction: 4 });
});

test('Rate on this terminal closes the page and the five buttons rate the same invitation', async ({ page, rig }) => {
  const sessionId = await invite(page, rig);
  await expect(page.frameLocator('iframe.page-frame').getByRole('heading', { name: '省好差评 · 请评价' })).toBeVisible();
  await page.getByRole('button', { name: '在终端上评价' }).click();
  await expect(page.locator('iframe.page-frame')).toHaveCount(0);
  await page.getByRole('button', { name: '非常满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  expect((await rig.api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 5 });
});

test('a page that tries pop-ups, top navigation, the kiosk page, location, the camera, the bridge and the local API is refused each', async ({ page, rig }) => {
  rig.province.serve = 'hostile';
  await invite(page, rig);
  const results = page.frameLocator('iframe.page-frame').locator('#results');
  for (const probe of ['window.open', 'top-navigation', 'parent.document', 'geolocation', 'camera', 'bridge', 'local-api']) {
    await expect(results.locator(`[data-probe="${probe}"]`)).toHaveText(`${probe}: blocked`);
  }
  // The kiosk is still the kiosk, on its own address.
  expect(page.url()).toBe(rig.host.uiUrl);
});

test('a page that navigates off the allowed origins is closed and the terminal’s own screen shown, for the technician', async ({ page, rig }) => {
  rig.province.serve = 'leave';
  await invite(page, rig);
  await page.frameLocator('iframe.page-frame').locator('#away').click();
  await expect(page.locator('iframe.page-frame')).toHaveCount(0);
  await expect(page.getByRole('button', { name: '非常满意', exact: true })).toBeVisible();
  const audit = rig.runtime.db.prepare(`SELECT detail FROM audit_log WHERE action = 'page.refused'`).all() as { detail: string }[];
  expect(audit.map((a) => JSON.parse(a.detail) as { reason: string })).toMatchObject([{ reason: 'navigated-off' }]);
});

test('the kiosk page may frame only its own origin and the province page’s; a forged return rates nothing', async ({ page, rig }) => {
  const sessionId = await invite(page, rig);
  const ui = await fetch(rig.host.uiUrl);
  expect(ui.headers.get('content-security-policy')).toContain(`frame-src 'self' ${rig.province.origin} https://hcp.example.gov.cn`);
  const forged = await fetch(`${new URL(rig.host.uiUrl).origin}/page-return?session=${sessionId}`);
  expect(forged.status).toBe(200);
  await expect(page.frameLocator('iframe.page-frame').getByRole('heading', { name: '省好差评 · 请评价' })).toBeVisible();
  expect((await rig.api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'inviting' });
});

test('a page that does not answer leaves the terminal’s own Inviting screen, never a blank frame', async ({ page, rig }) => {
  rig.province.serve = 'slow';
  await invite(page, rig);
  await expect(page.getByRole('button', { name: '非常满意', exact: true })).toBeVisible();
  // The terminal's own GET gave up at loadTimeoutMs (5 s): the page is never shown.
  await expect.poll(() => rig.runtime.page?.page.counts.fallbacks['fetch-failed'], { timeout: 10_000 }).toBe(1);
  await expect(page.getByRole('button', { name: '非常满意', exact: true })).toBeVisible();
  await expect(page.locator('iframe.page-frame')).toHaveCount(0);
});
