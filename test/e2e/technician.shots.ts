import type { Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiClient } from '../helpers/clients.js';
import { BADGE, provisioningFile, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { expect, openKiosk, settled, test } from './terminal-fixture.js';

/** `npm run screenshots`: the technician screens, for docs/technician.md. */
const out = (name: string) => fileURLToPath(new URL(`../../docs/screens/technician-${name}.png`, import.meta.url));

async function shot(page: Page, name: string): Promise<void> {
  await settled(page);
  await page.screenshot({ path: out(name) });
}

test('technician screens at 1280×800', async ({ page }) => {
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const usb = tempDir('hcp-usb-');
  mkdirSync(join(usb.path, 'KINGSTON'));
  const file = provisioningFile({ devices: { keypad: { type: 'simulated' }, badge: { type: 'keypad' } } });
  writeFileSync(join(usb.path, 'KINGSTON', 'window-a13.json'), JSON.stringify({ ...file, terminal: { ...(file['terminal'] as object), windowCode: 'A13' } }));
  const config = writeProvisioning(data.path, { devices: { keypad: { type: 'simulated' }, badge: { type: 'keypad' } } });
  const terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', config, '--usb-root', usb.path], { HCP_KEY_DIR: keys.path });
  try {
    await apiClient(terminal.ready.api).post('/staff/login', { badgeId: BADGE });
    await openKiosk(page, terminal);
    const corner = page.getByTestId('technician-corner');
    for (let i = 0; i < 5; i++) await corner.click();
    for (const d of '1357') await page.getByRole('dialog').getByRole('button', { name: d, exact: true }).click();
    await shot(page, 'pin-pad');
    for (const d of '90') await page.getByRole('dialog').getByRole('button', { name: d, exact: true }).click();
    await page.getByRole('button', { name: '进入' }).click();
    await expect(page.getByRole('heading', { name: '维护模式' })).toBeVisible();
    await shot(page, 'diagnostics');

    await page.getByRole('tab', { name: '终端设置' }).click();
    await shot(page, 'provisioning');
    await page.getByLabel('窗口编码').click();
    await expect(page.getByTestId('on-screen-keyboard')).toBeVisible();
    await shot(page, 'provisioning-keyboard');
    await page.locator('[data-skbtn="{done}"]').click();
    await page.getByRole('heading', { name: '从U盘导入配置' }).scrollIntoViewIfNeeded();
    await shot(page, 'usb-import');

    await page.getByRole('tab', { name: '设备' }).click();
    await page.getByRole('button', { name: '测试指示灯和按键' }).click();
    await page.getByRole('button', { name: '评价器按键 4' }).click();
    await expect(page.getByTestId('tech-inputs')).toContainText('key 4');
    await shot(page, 'devices');
  } finally {
    await terminal.stop();
    for (const d of [data, keys, usb]) d.cleanup();
  }
});
