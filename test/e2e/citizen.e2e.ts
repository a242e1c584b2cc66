import type { Page } from '@playwright/test';
import type { ProvinceSim } from '../../sync/province-sim/simulator.js';
import { apiClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning, type ProvisioningOverrides } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';
import { FAST_SYNC, simConfig, startSim } from '../helpers/sync-rig.js';
import { expect, openKiosk, test } from './terminal-fixture.js';

interface Rig {
  sim: ProvinceSim;
  terminal: RunningTerminal;
  api: ReturnType<typeof apiClient>;
}
const rigs: (() => Promise<void>)[] = [];
test.afterEach(async () => {
  for (const r of rigs.splice(0)) await r();
});

/** A terminal on a simulated province with a staff member logged in, its screen open in the page. */
async function serving(page: Page, o: ProvisioningOverrides = {}, rating: Record<string, unknown> = {}): Promise<Rig> {
  const sim = await startSim();
  sim.setConfig({ ...simConfig(), rating: { timeoutSeconds: 120, followUpTimeoutSeconds: 120, followUp: 'bad', ...rating } });
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', writeProvisioning(data.path, { baseUrl: sim.url, ...o })], {
    HCP_KEY_DIR: keys.path,
    ...FAST_SYNC,
  });
  rigs.push(async () => {
    await terminal.stop();
    await sim.close();
    data.cleanup();
    keys.cleanup();
  });
  const api = apiClient(terminal.ready.api);
  await api.post('/staff/login', { badgeId: BADGE });
  await openKiosk(page, terminal);
  await expect(page.getByText('欢迎光临')).toBeVisible();
  return { sim, terminal, api };
}

const recordsOf = (sim: ProvinceSim, sessionId: string) => [...sim.records.values()].filter((r) => r.record.groupId === sessionId).map((r) => r.record);

async function key(page: Page, k: string): Promise<void> {
  await page.getByTestId('on-screen-keyboard').locator(`[data-skbtn="${k}"]`).first().click();
}

test('不满意 with a comment typed by pinyin and a call-back phone on the number pad reaches the province, the phone shown masked', async ({ page }) => {
  const r = await serving(page);
  const { sessionId } = (await r.api.post('/sessions', {})).body as { sessionId: string };
  await page.getByRole('button', { name: '不满意', exact: true }).click();
  await expect(page.getByRole('heading', { name: /请告诉我们原因/ })).toBeVisible();

  await page.getByRole('button', { name: '意见和建议（选填）' }).click();
  await expect(page.getByTestId('on-screen-keyboard')).toBeVisible();
  for (const k of 'hen') await key(page, k);
  await page.locator('.hg-candidate-box-list-item', { hasText: '很' }).first().click();
  for (const k of 'hao') await key(page, k);
  await page.locator('.hg-candidate-box-list-item', { hasText: '好' }).first().click();
  await expect(page.getByRole('dialog').locator('textarea')).toHaveValue('很好');
  await key(page, '{done}');

  await page.getByRole('button', { name: /手机号码/ }).click();
  for (const k of '13812341234') await key(page, k);
  await key(page, '{done}');
  await expect(page.getByTestId('phone-shown')).toHaveText('138****1234');
  await expect(page.getByText('13812341234')).toHaveCount(0);
  await page.getByRole('button', { name: '提交' }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();

  await expect.poll(() => recordsOf(r.sim, sessionId).length, { timeout: 15_000 }).toBe(1);
  const record = recordsOf(r.sim, sessionId)[0];
  expect(record).toMatchObject({ satisfaction: 2, writingEvaluation: '很好' });
  expect(record?.mobile).toMatch(/^sm2:[0-9a-f]+$/);
});
