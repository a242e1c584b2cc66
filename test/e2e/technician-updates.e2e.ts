import { AxeBuilder } from '@axe-core/playwright';
import { copyFileSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { sm2SignHex } from '../../sync/crypto/gm.js';
import { provisioningFile, tempDir } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';
import { bundleOf, installFirstRelease, TEST_KEY, type TestRelease } from '../helpers/releases.js';
import { enterTechnicianMode, expect, openKiosk, test } from './terminal-fixture.js';
import { freePort } from '../helpers/free-port.js';

const A: TestRelease = { version: '1.0.0', seq: 1 };
const B: TestRelease = { version: '1.1.0', seq: 2 };
const GOOD = 'hcp-terminal_1.1.0.hcpupd';

const cleanups: (() => Promise<void> | void)[] = [];
test.afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The good bundle's manifest signed again after `edit`: a genuine vendor file, for another machine. */
async function resigned(good: Buffer, out: string, scratch: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const size = parseInt(good.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  const m = JSON.parse(good.subarray(512, 512 + size).toString('utf8')) as Record<string, unknown>;
  edit(m);
  const bytes = Buffer.from(JSON.stringify(m));
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, 'manifest.json'), bytes);
  writeFileSync(join(scratch, 'manifest.sig'), sm2SignHex(new Uint8Array(bytes), TEST_KEY.privateKey));
  await create({ file: out, cwd: scratch, portable: true }, ['manifest.json', 'manifest.sig']);
}

test('the technician sees the USB drive’s update files with their verdicts, confirms one, and the terminal restarts on it, on trial', async ({ page }) => {
  test.setTimeout(240_000);
  const work = tempDir('hcp-e2e-upd-');
  const keys = tempDir('hcp-keys-');
  cleanups.push(
    () => work.cleanup(),
    () => keys.cleanup(),
  );
  const releasesDir = installFirstRelease(work.path, A);
  const usb = join(work.path, 'usb');
  const stick = join(usb, 'SANDISK');
  mkdirSync(stick, { recursive: true });
  const b = await bundleOf(join(work.path, 'vendor'), B);
  copyFileSync(b.file, join(stick, GOOD));
  await resigned(readFileSync(b.file), join(stick, 'hcp-terminal_1.1.0_other.hcpupd'), join(work.path, 'scratch'), (m) => {
    m['arch'] = process.arch === 'arm64' ? 'amd64' : 'arm64';
  });
  writeFileSync(join(stick, 'notes.hcpupd'), '会议记录\n'.repeat(100));
  const data = join(work.path, 'data');
  const port = await freePort();
  const prov = join(work.path, 'provision.json');
  writeFileSync(prov, JSON.stringify({ ...provisioningFile({ port }), updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 } }));
  // The launcher, as the package runs the terminal: the install below switches `current` and it restarts on it.
  const terminal: RunningTerminal = await startTerminal(
    ['--data-dir', data, '--port', String(port), '--config', prov, '--usb-root', usb, '--releases-dir', releasesDir],
    { HCP_KEY_DIR: keys.path, HCP_UPDATES_POLL_MS: '200' },
    90_000,
  );
  cleanups.push(async () => {
    await terminal.stop();
  });

  await openKiosk(page, terminal);
  await enterTechnicianMode(page);
  const card = page.getByTestId('usb-updates');
  const entry = (name: string) => card.getByTestId('update-file').filter({ hasText: name });
  await expect(entry(GOOD)).toContainText('版本 1.1.0（序号 2）');
  await expect(entry(GOOD).getByTestId('update-verdict')).toHaveText('可安装');
  await expect(entry('_other.hcpupd').getByTestId('update-verdict')).toHaveText('适用于其他型号的机器（CPU 架构不同）');
  await expect(entry('_other.hcpupd').getByRole('button', { name: '安装' })).toBeDisabled();
  await expect(entry('notes.hcpupd').getByTestId('update-verdict')).toHaveText('不是升级文件');
  await expect(page.getByTestId('releases-current')).toHaveText('1.0.0');
  await expect(page.getByTestId('releases-trial')).toHaveText('否（已确认正常）');

  // Installing asks first, and says what will happen; cancelling does nothing.
  await entry(GOOD).getByRole('button', { name: '安装' }).click();
  const ask = page.getByRole('alertdialog', { name: '安装版本 1.1.0？' });
  await expect(ask).toContainText('试运行 10 分钟');
  await expect(ask).toContainText('当前版本 1.0.0');
  // Read at arm's length by a technician: the card, its verdicts and the question meet WCAG AA as the citizen screens do.
  const axe = await new AxeBuilder({ page }).include('[data-testid="usb-updates"]').withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await ask.getByRole('button', { name: '取消' }).click();
  await expect(ask).toBeHidden();
  expect(readlinkSync(join(work.path, 'current'))).toBe(join('releases', A.version));

  await entry(GOOD).getByRole('button', { name: '安装' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: '确认安装' }).click();
  await expect.poll(() => readlinkSync(join(work.path, 'current')), { timeout: 30_000 }).toBe(join('releases', B.version));
  // The launcher restarts the terminal on 1.1.0; the kiosk page comes back by itself, on the same port.
  await expect(page.getByTestId('technician-corner')).toBeVisible({ timeout: 90_000 });
  await expect(async () => {
    await enterTechnicianMode(page);
  }).toPass({ timeout: 90_000 });
  await expect(page.getByTestId('releases-current')).toHaveText('1.1.0');
  await expect(page.getByTestId('releases-trial')).toContainText('试运行中：第 1 次启动');
  await expect(page.getByTestId('tech-releases')).toContainText('已安装 1.1.0');
});
