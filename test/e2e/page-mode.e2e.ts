import { test as base, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import { startHost, type RunningHost } from '../../main/host/host.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { apiClient } from '../helpers/clients.js';
import { silentLog } from '../helpers/core.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startProvincePageServer, type ProvincePageServer } from '../helpers/province-page-server.js';
import { openKiosk } from './terminal-fixture.js';

interface PageRig {
  runtime: Runtime;
  host: RunningHost;
  province: ProvincePageServer;
  api: ReturnType<typeof apiClient>;
  dataDir: string;
}

/**
 * A terminal in page mode (rating.surface province-page) in this process, its page calls answered by a province page
 * server on 127.0.0.2, another origin than the terminal's (the page origins default to the province's baseUrl).
 */
const test = base.extend<{ rig: PageRig }>({
  rig: async ({}, use) => {
    const keys = tempDir('hcp-keys-');
    process.env['HCP_KEY_DIR'] = keys.path;
    const data = tempDir();
    const province = await startProvincePageServer();
    const file = writeProvisioning(data.path, { baseUrl: province.origin, rating: { surface: 'province-page', timeoutSeconds: 120 } });
    const runtime = await startRuntime({ dataDir: data.path, provisioningFile: readProvisioningFile(file), log: silentLog, pageSource: province });
    const uiDir = join(import.meta.dirname, '..', '..', 'dist', 'renderer');
    const host = await startHost({ runtime, host: '127.0.0.1', port: 0, uiDir, log: silentLog, dataDir: data.path });
    await use({ runtime, host, province, api: apiClient(host.apiUrl), dataDir: data.path });
    await host.close();
    await runtime.close();
    await province.close();
    data.cleanup();
    keys.cleanup();
  },
});

async function invite(page: Page, rig: PageRig): Promise<string> {
  expect((await rig.api.post('/staff/login', { badgeId: BADGE })).status).toBe(200);
  await openKiosk(page, { dataDir: rig.dataDir, ready: { ui: rig.host.uiUrl } } as Parameters<typeof openKiosk>[1]);
  await expect(page.getByText('张三').first()).toBeVisible();
  const opened = await rig.api.post('/sessions', {});
  expect(opened.status).toBe(201);
  return (opened.body as { sessionId: string }).sessionId;
}

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

test('a page that tries pop-ups, top navigation, the kiosk page, location and the camera is refused each', async ({ page, rig }) => {
  rig.province.serve = 'hostile';
  await invite(page, rig);
  const results = page.frameLocator('iframe.page-frame').locator('#results');
  for (const probe of ['window.open', 'top-navigation', 'parent.document', 'geolocation', 'camera']) {
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
