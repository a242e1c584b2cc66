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

/** A terminal on a simulated province whose config is `config` over the test hall's, its screen open in the page. */
async function started(page: Page, config: Record<string, unknown>, o: ProvisioningOverrides = {}): Promise<Rig> {
  const sim = await startSim();
  sim.setConfig({ ...simConfig(), ...config });
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
  await openKiosk(page, terminal);
  return { sim, terminal, api: apiClient(terminal.ready.api) };
}

/** The same with a staff member logged in: the Serving screen. */
async function serving(page: Page, o: ProvisioningOverrides = {}, rating: Record<string, unknown> = {}): Promise<Rig> {
  const r = await started(page, { rating: { timeoutSeconds: 120, followUpTimeoutSeconds: 120, followUp: 'bad', ...rating } }, o);
  await r.api.post('/staff/login', { badgeId: BADGE });
  await expect(page.getByText('欢迎光临')).toBeVisible();
  return r;
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

test('voice clips are asked for on Inviting, the level chosen, and Thanks; elderly mode says each twice and is off for the next citizen', async ({ page }) => {
  // Instrument the audio element: every clip the screen starts is recorded, whether or not this machine can play it.
  await page.addInitScript(() => {
    const played: string[] = [];
    Object.assign(window, { __played: played });
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      played.push(new URL(this.src).pathname);
      setTimeout(() => this.dispatchEvent(new Event('ended')), 10);
      return Promise.resolve();
    };
  });
  const r = await serving(page);
  const played = () => page.evaluate(() => (window as unknown as { __played: string[] }).__played);
  await r.api.post('/sessions', {});
  // The staff member logged in after the screen opened: it welcomed, then invited.
  await expect.poll(played).toEqual(['/voice/zh-CN/welcome.wav', '/voice/zh-CN/please-rate.wav']);
  await page.getByRole('button', { name: '非常满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  await expect.poll(played).toEqual(['/voice/zh-CN/welcome.wav', '/voice/zh-CN/please-rate.wav', '/voice/zh-CN/level-manyi-5.wav', '/voice/zh-CN/thanks.wav']);
  const clip = await page.request.get(new URL('voice/zh-CN/thanks.wav', r.terminal.ready.ui).href);
  expect(clip.headers()['content-type']).toBe('audio/wav');
  expect((await clip.body()).subarray(0, 4).toString()).toBe('RIFF');

  await expect(page.getByText('欢迎光临')).toBeVisible({ timeout: 10_000 });
  await page.getByRole('button', { name: '长辈模式' }).click();
  await expect(page.locator('html')).toHaveClass(/elderly/);
  const before = (await played()).length;
  const { sessionId } = (await r.api.post('/sessions', {})).body as { sessionId: string };
  await expect.poll(async () => (await played()).slice(before)).toEqual(['/voice/zh-CN/please-rate.wav', '/voice/zh-CN/please-rate.wav']);
  // Labels 1.5×; the five buttons already fill the screen, so they stay as large as it allows: all on screen, no scrolling.
  for (const name of ['非常满意', '满意', '基本满意', '不满意', '非常不满意'])
    await expect(page.getByRole('button', { name, exact: true })).toBeInViewport({ ratio: 1 });
  expect(await page.evaluate(() => document.scrollingElement?.scrollHeight ?? 0)).toBeLessThanOrEqual(800);
  const elderlySize = await page
    .getByRole('button', { name: '满意', exact: true })
    .locator('.level-label')
    .evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  await page.getByRole('button', { name: '满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  expect(await r.api.get(`/sessions/${sessionId}`)).toMatchObject({ body: { status: 'rated' } });
  // The next citizen starts in normal mode.
  await expect(page.getByText('欢迎光临')).toBeVisible({ timeout: 10_000 });
  await expect(page.locator('html')).not.toHaveClass(/elderly/);
  await r.api.post('/sessions', {});
  const normalSize = await page
    .getByRole('button', { name: '满意', exact: true })
    .locator('.level-label')
    .evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  expect(elderlySize / normalSize).toBeGreaterThanOrEqual(1.5);
});

test('English is chosen, shown in full with the date in the header, and Chinese again for the next citizen', async ({ page }) => {
  const r = await serving(page);
  await page.getByRole('button', { name: /Language/ }).click();
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await expect(page.getByText('Welcome')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('.clock-date')).toHaveText(/^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), [A-Z][a-z]+ \d{1,2}, \d{4}$/);
  await r.api.post('/sessions', {});
  await expect(page.getByRole('button', { name: 'Very satisfied', exact: true })).toBeVisible();
  // Every word of the screen is English; only the staff member's own name and title are data, in Chinese.
  const words = await page.locator('main').evaluate((m) => {
    const copy = m.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('.staff-card').forEach((e) => e.remove());
    return copy.innerText;
  });
  expect(words).not.toMatch(/[\u4e00-\u9fff]/);
  await page.getByRole('button', { name: 'Satisfied', exact: true }).click();
  await expect(page.getByText('Thank you for your rating')).toBeVisible();
  await expect(page.getByText('欢迎光临')).toBeVisible({ timeout: 10_000 });
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.locator('.clock-date')).toHaveText(/^\d{4}年\d{1,2}月\d{1,2}日星期[一二三四五六日]$/);
});

test('mode "choose" with two departments: the citizen picks 逐项评价, rates two pages, and two records go', async ({ page }) => {
  const r = await serving(page);
  const items = [
    { taskCode: 'T-SC-1', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' },
    { taskCode: 'T-SW-1', taskName: '税务登记信息变更', deptCode: 'SW', deptName: '税务局' },
  ];
  const { sessionId } = (await r.api.post('/sessions', { mode: 'choose', items })).body as { sessionId: string };
  await expect(page.getByRole('heading', { name: '请选择评价方式' })).toBeVisible();
  await page.getByRole('button', { name: /逐项评价/ }).click();
  await expect(page.getByText(/第 1 项，共 2 项/)).toBeVisible();
  await page.getByRole('button', { name: '非常满意', exact: true }).click();
  await expect(page.getByText(/第 2 项，共 2 项/)).toBeVisible();
  await page.getByRole('button', { name: '基本满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  await expect.poll(() => recordsOf(r.sim, sessionId).length, { timeout: 15_000 }).toBe(2);
  expect(
    recordsOf(r.sim, sessionId)
      .map((x) => [x.deptCode, x.satisfaction])
      .sort(),
  ).toEqual([
    ['SC', 5],
    ['SW', 3],
  ]);
});

test('outside hall hours an idle screen dims and blanks; the first touch only wakes it; an invitation wakes it at once', async ({ page }) => {
  // Hall hours with no period today: the hall is closed, so even the Serving screen may sleep. Short idle times.
  const closedAllWeek = { sun: [], mon: [], tue: [], wed: [], thu: [], fri: [], sat: [] };
  const { api } = await started(page, { hallHours: closedAllWeek, display: { dimAfterSeconds: 1, blankAfterSeconds: 2 } });
  // Closed (nobody logged in): dims after a second, blanks after two.
  await expect(page.getByTestId('display-sleep')).toHaveAttribute('data-display', 'dim', { timeout: 10_000 });
  await expect(page.getByTestId('display-sleep')).toHaveAttribute('data-display', 'blank', { timeout: 10_000 });
  // The first touch, right on the 长辈模式 button, only wakes the screen.
  await page.getByRole('button', { name: '长辈模式' }).click({ force: true });
  await expect(page.getByTestId('display-sleep')).toHaveCount(0);
  await expect(page.locator('html')).not.toHaveClass(/elderly/);
  expect((await api.get('/status')).body['state']).toBe('closed');

  // Serving outside hall hours sleeps too; an invitation wakes it, and then a touch is a rating.
  await api.post('/staff/login', { badgeId: BADGE });
  await expect(page.getByTestId('display-sleep')).toHaveAttribute('data-display', 'blank', { timeout: 10_000 });
  const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
  await expect(page.getByTestId('display-sleep')).toHaveCount(0);
  await page.getByRole('button', { name: '满意', exact: true }).click();
  await expect.poll(async () => (await api.get(`/sessions/${sessionId}`)).body['status']).toBe('rated');
});
