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

export interface PageRig {
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
export const test = base.extend<{ rig: PageRig }>({
  // Playwright reads a fixture's dependencies from its first parameter's pattern: this one has none.
  // eslint-disable-next-line no-empty-pattern
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

export async function invite(page: Page, rig: PageRig): Promise<string> {
  expect((await rig.api.post('/staff/login', { badgeId: BADGE })).status).toBe(200);
  await openKiosk(page, { dataDir: rig.dataDir, ready: { ui: rig.host.uiUrl } } as Parameters<typeof openKiosk>[1]);
  await expect(page.getByText('张三').first()).toBeVisible();
  const opened = await rig.api.post('/sessions', {});
  expect(opened.status).toBe(201);
  return (opened.body as { sessionId: string }).sessionId;
}

export { expect };
