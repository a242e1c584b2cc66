import type { Page } from '@playwright/test';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { apiClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { FAST_SYNC, startSim } from '../helpers/sync-rig.js';
import { expect, openKiosk, test } from './terminal-fixture.js';

const TECH_PIN = '135790';

async function openPinPad(page: Page): Promise<void> {
  const corner = page.getByTestId('technician-corner');
  for (let i = 0; i < 5; i++) await corner.click();
  await expect(page.getByRole('dialog', { name: '技术人员登录' })).toBeVisible();
}

async function typePin(page: Page, pin: string): Promise<void> {
  for (const d of pin) await page.getByRole('dialog').getByRole('button', { name: d, exact: true }).click();
  await page.getByRole('button', { name: '进入' }).click();
}

test('five taps open the PIN pad; five wrong PINs lock it, still locked after a restart', async ({ page, hcp }) => {
  await openKiosk(page, hcp.terminal);
  await openPinPad(page);
  for (let i = 1; i <= 5; i++) {
    await typePin(page, '000000');
    await expect(page.getByRole('dialog')).toHaveAttribute('data-failures', String(i));
  }
  await expect(page.getByRole('alert')).toContainText(/秒后再试/);
  expect((await hcp.api.get('/status')).body['state']).not.toBe('maintenance');

  await hcp.terminal.stop();
  const again = await startTerminal(['--data-dir', hcp.terminal.dataDir, '--port', '0'], { HCP_KEY_DIR: hcp.keyDir });
  try {
    await openKiosk(page, again);
    await openPinPad(page);
    await expect(page.getByRole('alert')).toContainText(/秒后再试/);
    await expect(page.getByRole('button', { name: '进入' })).toBeDisabled();
  } finally {
    await again.stop();
  }
});

test('the right PIN opens technician mode: the API reports maintenance; a rejected record is shown and resent', async ({ page }) => {
  const sim = await startSim();
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', writeProvisioning(data.path, { baseUrl: sim.url })], {
    HCP_KEY_DIR: keys.path,
    ...FAST_SYNC,
  });
  try {
    const api = apiClient(terminal.ready.api);
    await api.post('/staff/login', { badgeId: BADGE });
    sim.setFaults({ rates: { reject: 1 }, skewMs: 0 });
    await openKiosk(page, terminal);
    const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
    await page.getByRole('button', { name: '满意', exact: true }).click();
    await expect.poll(async () => ((await api.get('/status')).body['sync'] as { deadLetter: number }).deadLetter, { timeout: 15_000 }).toBe(1);

    await openPinPad(page);
    await typePin(page, TECH_PIN);
    await expect(page.getByRole('heading', { name: /维护模式/ })).toBeVisible();
    expect((await api.get('/status')).body['state']).toBe('maintenance');
    expect((await api.post('/sessions', {})).status).toBe(409);
    await expect(page.getByTestId('tech-dead')).toHaveText('1');
    await expect(page.getByText(/^#1 UNKNOWN_STAFF:/)).toBeVisible();
    // The rejection is among the last errors the log recorded.
    await expect(page.getByTestId('tech-problems')).toContainText('records rejected by the province');

    sim.setFaults(NO_FAULTS);
    await page.getByRole('button', { name: '重新上传', exact: true }).click();
    await expect(page.getByTestId('tech-dead')).toHaveText('0', { timeout: 15_000 });
    await expect
      .poll(() => [...sim.records.values()].filter((r) => r.status === 'accepted' && r.record.groupId === sessionId).length, { timeout: 15_000 })
      .toBe(1);
    await page.getByRole('button', { name: '检查完整性' }).click();
    await expect(page.getByTestId('tech-integrity')).toHaveText('正常');

    await page.getByRole('button', { name: '退出维护' }).click();
    await expect.poll(async () => (await api.get('/status')).body['state']).toBe('serving');
  } finally {
    await terminal.stop();
    await sim.close();
    data.cleanup();
    keys.cleanup();
  }
});
