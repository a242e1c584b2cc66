import type { Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_SM2_PRIVATE_KEY } from '../../sync/province-sim/demo-keys.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { startGovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { APP_A, bundleOf, chainedRecords, rechained } from '../helpers/bundles.js';
import { apiClient } from '../helpers/clients.js';
import { GOV_APP, GOV_CODES, govForm, writeDialectProvisioning } from '../helpers/dialects.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { runCommand, startTerminal } from '../helpers/process.js';
import { APP, FAST_SYNC, simConfig, startSim } from '../helpers/sync-rig.js';
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

test('a relay bundle the province refuses shows as dead with its reason, never holds back the terminal’s own rating, and is set aside or resent', async ({
  page,
}) => {
  const sim = await startProvinceSim({ apps: [APP, APP_A], config: simConfig() });
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const env = { HCP_KEY_DIR: keys.path, ...FAST_SYNC };
  const args = ['--data-dir', join(data.path, 'b'), '--port', '0', '--config', writeProvisioning(data.path, { baseUrl: sim.url, terminalId: 'T-350402-0002' })];
  // The terminal made once, stopped while a technician imports a tampered copy of another hall's bundle (its chain
  // recomputed: only the province, which checks the signature, can tell).
  await (await startTerminal(args, env)).stop();
  const file = join(data.path, 'copy.json');
  writeFileSync(file, JSON.stringify(rechained(bundleOf('T-350402-0001', chainedRecords('T-350402-0001', 2)), 1)));
  expect(runCommand(['import', '--data-dir', join(data.path, 'b'), '--file', file], env).code).toBe(0);
  const terminal = await startTerminal(args, env);
  try {
    const api = apiClient(terminal.ready.api);
    await api.post('/staff/login', { badgeId: BADGE });
    await openKiosk(page, terminal);
    const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
    await page.getByRole('button', { name: '满意', exact: true }).click();
    await expect
      .poll(() => [...sim.records.values()].filter((r) => r.status === 'accepted' && r.record.groupId === sessionId).length, { timeout: 20_000 })
      .toBe(1);

    await openPinPad(page);
    await typePin(page, TECH_PIN);
    const bundle = page.getByTestId('tech-relayed').getByRole('listitem');
    await expect(bundle).toHaveAttribute('data-state', 'rejected', { timeout: 15_000 });
    await expect(bundle).toContainText('T-350402-0001: 2 · 省平台拒收 · 已尝试 1 次');
    await expect(bundle).toContainText('BAD_SIGNATURE');
    await bundle.getByRole('button', { name: '搁置' }).click();
    await expect(bundle).toHaveAttribute('data-state', 'set-aside');
    await expect(page.getByTestId('tech-last-action')).toContainText('已搁置');
    await bundle.getByRole('button', { name: '重新上传' }).click();
    // Sent again at once, refused again: dead again, after one more try at least.
    await expect(bundle).toContainText(/已尝试 [2-9] 次/, { timeout: 20_000 });
    await expect(bundle).toHaveAttribute('data-state', 'rejected', { timeout: 20_000 });
  } finally {
    await terminal.stop();
    await sim.close();
    data.cleanup();
    keys.cleanup();
  }
});

test('a gov-form relay whose records the province refuses shows how many and why, and a resend sends them again; a bundle it cannot verify is held and shown with why', async ({
  page,
}) => {
  const raw = await startGovFormSim({ apps: [GOV_APP], sm2PrivateKey: DEMO_SM2_PRIVATE_KEY, satisfactionCodes: GOV_CODES });
  // The province refuses every rating (a field message) until the fault is lifted.
  raw.setFaults({ rates: { reject: 1 }, skewMs: 0 });
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const env = { HCP_KEY_DIR: keys.path, ...FAST_SYNC };
  const config = writeDialectProvisioning(govForm, data.path, { baseUrl: raw.url, terminalId: 'T-350402-0002' });
  const args = ['--data-dir', join(data.path, 'b'), '--port', '0', '--config', config];
  await (await startTerminal(args, env)).stop();
  const file = join(data.path, 'a.json');
  // A terminal of the same hall: the same appMark, whose appWord signs its bundle and lets this terminal check it.
  const sameApp = { appKey: GOV_APP.appMark, appSecret: GOV_APP.appWord };
  writeFileSync(file, JSON.stringify(bundleOf('T-350402-0001', chainedRecords('T-350402-0001', 2), sameApp)));
  expect(runCommand(['import', '--data-dir', join(data.path, 'b'), '--file', file], env).code).toBe(0);
  // Another hall's bundle (an appMark this terminal does not hold): kept, never relayed, shown with why (issue 24).
  const foreign = join(data.path, 'other-hall.json');
  writeFileSync(foreign, JSON.stringify(bundleOf('T-350402-0003', chainedRecords('T-350402-0003', 1), APP_A)));
  const imported = runCommand(['import', '--data-dir', join(data.path, 'b'), '--file', foreign], env);
  expect(JSON.parse(imported.stdout)).toMatchObject({ records: 1, held: expect.stringMatching(/made under app app-key-a/) });
  const terminal = await startTerminal(args, env);
  try {
    await openKiosk(page, terminal);
    await openPinPad(page);
    await typePin(page, TECH_PIN);
    const held = page.getByTestId('tech-relayed').getByRole('listitem').filter({ hasText: 'T-350402-0003' });
    await expect(held).toHaveAttribute('data-state', 'held');
    await expect(held).toContainText('T-350402-0003: 1 · 已保留：无法验证 · UNVERIFIED: made under app app-key-a');
    await expect(held).toHaveClass(/tech-warning/);
    await expect(held.getByRole('button', { name: '重新上传' })).toHaveCount(0);
    await held.getByRole('button', { name: '搁置' }).click();
    await expect(held).toHaveAttribute('data-state', 'set-aside');
    const bundle = page.getByTestId('tech-relayed').getByRole('listitem').filter({ hasText: 'T-350402-0001' });
    await expect(bundle).toContainText('T-350402-0001: 2 · 已代传', { timeout: 20_000 });
    await expect(bundle).toContainText('2 条被省平台拒收 · REJECTED: 参数校验失败：proManager');
    await expect(bundle).toHaveClass(/tech-warning/);
    expect(raw.evaluations.size).toBe(0);

    raw.setFaults(NO_FAULTS);
    await bundle.getByRole('button', { name: '重新上传' }).click();
    await expect.poll(() => raw.evaluations.size, { timeout: 20_000 }).toBe(2);
    await expect(bundle).not.toContainText('拒收', { timeout: 20_000 });
    await expect(bundle).not.toHaveClass(/tech-warning/);
    await expect(bundle.getByRole('button', { name: '重新上传' })).toHaveCount(0);
    expect([...raw.evaluations.values()].every((e) => e.via === 'supplement' && e.relayBy === 'T-350402-0002' && e.terminalId === 'T-350402-0001')).toBe(true);
  } finally {
    await terminal.stop();
    await raw.close();
    data.cleanup();
    keys.cleanup();
  }
});
