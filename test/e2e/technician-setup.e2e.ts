import type { Page } from '@playwright/test';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProvinceSim } from '../../sync/province-sim/simulator.js';
import { apiClient } from '../helpers/clients.js';
import { BADGE, provisioningFile, tempDir, writeProvisioning, type ProvisioningOverrides } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';
import { FAST_SYNC, startSim } from '../helpers/sync-rig.js';
import { enterTechnicianMode, expect, openKiosk, test } from './terminal-fixture.js';

interface Rig {
  sim: ProvinceSim;
  terminal: RunningTerminal;
  api: ReturnType<typeof apiClient>;
  usbRoot: string;
  start(): Promise<RunningTerminal>;
}

const rigs: (() => Promise<void>)[] = [];
test.afterEach(async () => {
  for (const r of rigs.splice(0)) await r();
});

/** A terminal talking to a simulated province, with a folder standing in for the USB mount roots. */
async function rig(o: ProvisioningOverrides = {}): Promise<Rig> {
  const sim = await startSim();
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const usb = tempDir('hcp-usb-');
  const env = { HCP_KEY_DIR: keys.path, ...FAST_SYNC };
  const config = writeProvisioning(data.path, { baseUrl: sim.url, ...o });
  let terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', config, '--usb-root', usb.path], env);
  const r: Rig = {
    sim,
    terminal,
    api: apiClient(terminal.ready.api),
    usbRoot: usb.path,
    // A later start: the stored provisioning only, as after a power cut.
    async start() {
      terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--usb-root', usb.path], env);
      r.terminal = terminal;
      r.api = apiClient(terminal.ready.api);
      return terminal;
    },
  };
  rigs.push(async () => {
    await terminal.stop();
    await sim.close();
    for (const d of [data, keys, usb]) d.cleanup();
  });
  return r;
}

async function rateOnScreen(page: Page, api: Rig['api']): Promise<string> {
  const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
  await page.getByRole('button', { name: '满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  return sessionId;
}

/** The terminal's state; while it restarts in its process, its port is briefly closed. */
const stateOf = (r: Rig) => () =>
  r.api
    .get('/status')
    .then((s) => s.body['state'])
    .catch(() => 'restarting');

const recordOf = (sim: ProvinceSim, sessionId: string) => [...sim.records.values()].find((r) => r.record.groupId === sessionId)?.record;

test('a window code typed on the on-screen keyboard is saved, survives a restart, and reaches the province in the next records', async ({ page }) => {
  const r = await rig();
  await r.api.post('/staff/login', { badgeId: BADGE });
  await openKiosk(page, r.terminal);
  await enterTechnicianMode(page);
  await page.getByRole('tab', { name: '终端设置' }).click();

  const windowCode = page.getByLabel('窗口编码');
  await expect(windowCode).toHaveValue('A12');
  await windowCode.click();
  const keyboard = page.getByTestId('on-screen-keyboard');
  await expect(keyboard).toBeVisible();
  // The keyboard never covers the field being typed.
  const [field, keys] = [await windowCode.boundingBox(), await keyboard.boundingBox()];
  expect((field?.y ?? 0) + (field?.height ?? 0)).toBeLessThanOrEqual(keys?.y ?? 0);
  for (let i = 0; i < 3; i++) await keyboard.locator('[data-skbtn="{bksp}"]').click();
  // Checked as typed: an empty window code is named next to its field.
  await expect(page.getByText('must not be empty')).toBeVisible();
  for (const k of ['{shift}', 'B', '{shift}', '0', '7']) await keyboard.locator(`[data-skbtn="${k}"]`).click();
  await expect(windowCode).toHaveValue('B07');
  await expect(page.getByText('must not be empty')).toBeHidden();
  await keyboard.locator('[data-skbtn="{done}"]').click();
  await expect(keyboard).toBeHidden();

  await page.getByRole('button', { name: '保存并应用' }).click();
  // The terminal starts again in its process with the change, and the technician is still in.
  await expect.poll(stateOf(r), { timeout: 15_000 }).toBe('maintenance');
  await expect(page.getByRole('heading', { name: '维护模式' })).toBeVisible();
  await expect(page.getByTestId('tech-reconnecting')).toBeHidden();
  // As a technician would: a press that fell into the moment of reconnecting is pressed again.
  await expect(async () => {
    await page.getByRole('button', { name: '退出维护' }).click({ timeout: 2_000 });
    expect(await stateOf(r)()).toBe('serving');
  }).toPass({ timeout: 10_000 });
  const first = await rateOnScreen(page, r.api);
  await expect.poll(() => recordOf(r.sim, first)?.windowCode, { timeout: 15_000 }).toBe('B07');

  await r.terminal.stop();
  await r.start();
  await openKiosk(page, r.terminal);
  await expect.poll(stateOf(r)).toBe('serving');
  const second = await rateOnScreen(page, r.api);
  await expect.poll(() => recordOf(r.sim, second)?.windowCode, { timeout: 15_000 }).toBe('B07');
});

test('a provisioning file on a USB drive is listed with what it changes, imported and applied', async ({ page }) => {
  const r = await rig();
  const stick = join(r.usbRoot, 'KINGSTON');
  mkdirSync(stick);
  const file = provisioningFile({ baseUrl: r.sim.url });
  writeFileSync(join(stick, 'window-c09.json'), JSON.stringify({ ...file, terminal: { ...(file['terminal'] as object), windowCode: 'C09' } }));
  writeFileSync(join(stick, 'notes.json'), '{"not": "a provisioning file"');
  await openKiosk(page, r.terminal);
  await enterTechnicianMode(page);
  await page.getByRole('tab', { name: '终端设置' }).click();

  const entry = page.getByRole('listitem').filter({ hasText: 'window-c09.json' });
  await expect(entry.getByRole('row', { name: /窗口编码/ })).toContainText('A12');
  await expect(entry.getByRole('row', { name: /窗口编码/ })).toContainText('C09');
  await entry.getByRole('button', { name: '导入并应用' }).click();
  await expect.poll(stateOf(r), { timeout: 15_000 }).toBe('maintenance');
  await page.getByRole('tab', { name: '终端设置' }).click();
  await expect(page.getByLabel('窗口编码')).toHaveValue('C09');
});

test('an unprovisioned terminal takes its first provisioning file from a USB drive, with no shell and no PIN', async ({ page }) => {
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const usb = tempDir('hcp-usb-');
  const terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--usb-root', usb.path], { HCP_KEY_DIR: keys.path });
  rigs.push(async () => {
    await terminal.stop();
    for (const d of [data, keys, usb]) d.cleanup();
  });
  const api = apiClient(terminal.ready.api);
  expect((await api.get('/status')).status).toBe(401);
  await openKiosk(page, terminal);
  await expect(page.getByRole('heading', { name: '终端尚未配置' })).toBeVisible();
  mkdirSync(join(usb.path, 'stick'));
  writeProvisioning(join(usb.path, 'stick'), {}, 'terminal.json');
  await page.getByRole('button', { name: '重新扫描' }).click();
  const entry = page.getByRole('listitem').filter({ hasText: 'terminal.json' });
  await expect(entry.getByRole('row', { name: /终端编号/ })).toContainText('T-350402-0001');
  await entry.getByRole('button', { name: '导入并应用' }).click();
  await expect
    .poll(
      () =>
        api
          .get('/status')
          .then((s) => s.body['state'])
          .catch(() => 'restarting'),
      { timeout: 15_000 },
    )
    .toBe('closed');
  // Provisioned, and not left in technician mode: nobody typed a PIN.
  await expect(page.getByText('窗口暂停服务')).toBeVisible();
});

test('a USB drive with a link out of it and more entries than the walk takes: the link is not listed, and the screen says the list was cut short', async ({
  page,
}) => {
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const usb = tempDir('hcp-usb-');
  const outside = tempDir('hcp-outside-');
  const terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--usb-root', usb.path], { HCP_KEY_DIR: keys.path });
  rigs.push(async () => {
    await terminal.stop();
    for (const d of [data, keys, usb, outside]) d.cleanup();
  });
  await openKiosk(page, terminal);
  await expect(page.getByRole('heading', { name: '终端尚未配置' })).toBeVisible();
  const stick = join(usb.path, 'stick');
  mkdirSync(join(stick, 'many'), { recursive: true });
  symlinkSync(writeProvisioning(outside.path, {}, 'elsewhere.json'), join(stick, 'a-link.json'));
  for (let i = 0; i < 5_100; i++) writeFileSync(join(stick, 'many', `f${String(i)}.txt`), '');
  await page.getByRole('button', { name: '重新扫描' }).click();
  await expect(page.getByText('U盘上的文件和文件夹太多：只查看了前 5000 个。')).toBeVisible();
  await expect(page.getByText('a-link.json')).toHaveCount(0);
});

test.describe('with the simulated keypad', () => {
  test('the devices screen shows a key pressed on the keypad, and tests its LEDs, LCD and voice', async ({ page }) => {
    const r = await rig({ devices: { keypad: { type: 'simulated' }, badge: { type: 'keypad' } } });
    await openKiosk(page, r.terminal);
    await expect.poll(async () => ((await r.api.get('/status')).body['devices'] as { keypad: { connected: boolean } }).keypad.connected).toBe(true);
    await enterTechnicianMode(page);
    await page.getByRole('tab', { name: '设备' }).click();
    await expect(page.getByText('当前评价器：simulated')).toBeVisible();

    // Rating keys are off in maintenance; the LED test lights and enables them, so a press reaches the screen.
    await page.getByRole('button', { name: '测试指示灯和按键' }).click();
    await expect(page.getByTestId('tech-last-action')).toContainText('按一个键');
    await page.getByRole('button', { name: '评价器按键 3' }).click();
    await expect(page.getByTestId('tech-inputs')).toContainText('评价器 · key 3');
    await page.getByRole('button', { name: '评价器按键 邀评' }).click();
    await expect(page.getByTestId('tech-inputs')).toContainText('key 0x10 (invite)');
    await page.getByRole('button', { name: '测试显示屏' }).click();
    await expect(page.getByTestId('tech-last-action')).toContainText('测试文字已发送到显示屏');
    await page.getByRole('button', { name: '播放“谢谢您的评价”' }).click();
    await expect(page.getByTestId('tech-last-action')).toContainText('已播放提示音 3');
    // Nothing pressed during the tests became a rating.
    expect((await r.api.get('/status')).body['sync']).toMatchObject({ pending: 0 });
  });
});

test('the provisioning screen shows a gov-form province’s own fields and checks them by field', async ({ page }) => {
  const r = await rig();
  await openKiosk(page, r.terminal);
  await enterTechnicianMode(page);
  await page.getByRole('tab', { name: '终端设置' }).click();

  const dialect = page.getByLabel('省级接口类型');
  await expect(dialect).toHaveValue('hcp-json');
  await expect(page.getByLabel('应用密钥 AppSecret')).toBeVisible();
  await expect(page.getByLabel('应用标识 appMark')).toBeHidden();
  await dialect.selectOption('gov-form');
  for (const label of ['应用标识 appMark', '应用口令 appWord', '满意度编码', '离线评价页面模板']) await expect(page.getByLabel(label)).toBeVisible();
  await expect(page.getByLabel('应用密钥 AppSecret')).toBeHidden();
  await expect(page.getByLabel('签名算法')).toBeHidden();
  // The hcp-json secret is not taken for the appWord: both gov-form credentials must be typed, and saving waits for them.
  const mark = page.getByLabel('应用标识 appMark');
  const word = page.getByLabel('应用口令 appWord');
  await expect(page.locator('#field-province\\.appMark-error')).toBeVisible();
  await expect(page.locator('#field-province\\.appWord-error')).toBeVisible();
  await expect(page.getByRole('button', { name: '保存并应用' })).toBeDisabled();
  await mark.fill('mark-350402');
  await word.fill('word-350402');
  await expect(page.locator('#field-province\\.appWord-error')).toBeHidden();
  // The province's key is required in this dialect and must be a point on the curve.
  const key = page.getByLabel(/SM2/);
  await key.fill('04' + '1'.repeat(128));
  await expect(page.locator('#field-province\\.sm2PublicKey-error')).toContainText('a point on the curve');
  await key.fill('');
  await expect(page.locator('#field-province\\.sm2PublicKey-error')).toBeVisible();
  await page.getByLabel('离线评价页面模板').fill('https://hcp.example.gov.cn/h5/pj');
  await expect(page.locator('#field-province\\.offlinePageTemplate-error')).toContainText('{param}');
  await expect(page.getByRole('button', { name: '保存并应用' })).toBeDisabled();
});

test('the provisioning screen shows the file’s proxy without its password and the province’s CA by subject and SHA-256', async ({ page }) => {
  const cert = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url), 'utf8');
  const password = 'Pw-e2e-7713';
  // The proxy is bypassed for the loopback simulator: the terminal runs as usual while the screen shows its settings.
  const r = await rig({ province: { tls: { caCertificates: [cert] } }, network: { proxy: `http://hall:${password}@127.0.0.1:9`, noProxy: ['127.0.0.1'] } });
  await openKiosk(page, r.terminal);
  await enterTechnicianMode(page);
  await page.getByRole('tab', { name: '终端设置' }).click();
  const note = page.getByTestId('tech-network');
  await expect(note).toContainText('代理 http://hall:***@127.0.0.1:9（配置文件） · 不经代理：127.0.0.1');
  await expect(note).toContainText(`省平台信任的 CA：${new X509Certificate(cert).subject}`);
  await expect(note).toContainText(`SHA-256 ${new X509Certificate(cert).fingerprint256}`);
  await note.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('network-note.png') });
  expect(await page.content()).not.toContain(password);
});
