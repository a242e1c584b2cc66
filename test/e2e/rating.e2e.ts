import type { Page } from '@playwright/test';
import { BADGE } from '../helpers/fixtures.js';
import { expect, test, openKiosk } from './terminal-fixture.js';

const LABELS = ['非常满意', '满意', '基本满意', '不满意', '非常不满意'];

/**
 * A keyboard-emulating badge reader: keystrokes back to back, as the device sends them (Playwright's own keyboard
 * cannot promise ≤ 30 ms between keys on a loaded machine). Like a real keystroke, each character lands in the
 * focused field before the page sees the next key.
 */
async function scanBadge(page: Page, badge: string): Promise<void> {
  await page.evaluate(
    (keys) => {
      for (const key of keys) {
        const target = document.activeElement ?? document.body;
        const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
        const proceed = target.dispatchEvent(event);
        if (proceed && key.length === 1 && (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)) {
          const proto = target instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
          Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(target, target.value + key);
          target.dispatchEvent(new Event('input', { bubbles: true }));
        }
      }
    },
    [...Array.from(badge), 'Enter'],
  );
}

test('a citizen clicks 满意 and the business system reads rated with satisfaction 4', async ({ page, hcp }) => {
  const { api } = hcp;
  expect((await api.post('/staff/login', { badgeId: BADGE })).status).toBe(200);
  await openKiosk(page, hcp.terminal);
  await expect(page.getByText('张三').first()).toBeVisible();

  const opened = await api.post('/sessions', {
    projectNo: 'BJ20261124001',
    items: [{ taskCode: 'T1', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' }],
  });
  expect(opened.status).toBe(201);
  const { sessionId, qrUrl } = opened.body as { sessionId: string; qrUrl: string };

  await expect(page.getByRole('heading', { name: '请您对本次服务作出评价' })).toBeVisible();
  await expect(page.getByText('营业执照变更登记')).toBeVisible();
  for (const label of LABELS) await expect(page.getByRole('button', { name: label, exact: true })).toBeVisible();
  await expect(page.getByRole('img', { name: '扫码评价' })).toHaveAttribute('data-qr-value', qrUrl);
  await expect(page.getByRole('timer')).toContainText(/\d+ 秒/);

  await page.getByRole('button', { name: '满意', exact: true }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  const session = await api.get(`/sessions/${sessionId}`);
  expect(session.body).toMatchObject({ sessionId, status: 'rated', satisfaction: 4 });
  await expect(page.getByText('今日评价 1')).toBeVisible();
  await expect(page.getByText('欢迎光临')).toBeVisible({ timeout: 6000 });
});

test('a 差评 asks for reasons on screen and the chosen tag reaches the record', async ({ page, hcp }) => {
  const { api } = hcp;
  await api.post('/staff/login', { badgeId: BADGE });
  await openKiosk(page, hcp.terminal);
  const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
  await page.getByRole('button', { name: '非常不满意', exact: true }).click();
  await expect(page.getByRole('heading', { name: /请告诉我们原因/ })).toBeVisible();
  expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 1 });
  await page.getByRole('button', { name: '办事效率低' }).click();
  await expect(page.getByRole('button', { name: '办事效率低' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('radio', { name: '否' }).click();
  await page.getByRole('button', { name: '提交' }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 1, evalDetail: '101,Q:guide=n' });
});

test('the screen follows the terminal: closed, unknown badge notice, paused, and back after a page reload', async ({ page, hcp }) => {
  const { api } = hcp;
  await openKiosk(page, hcp.terminal);
  await expect(page.getByText('窗口暂停服务')).toBeVisible();
  await api.post('/staff/login', { badgeId: 'DEADBEEF' });
  await expect(page.getByRole('alert')).toHaveText('未登记的工牌');
  await api.post('/staff/login', { badgeId: BADGE });
  await api.post('/staff/pause');
  await expect(page.getByRole('heading', { name: '暂停服务' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: '暂停服务' })).toBeVisible();
  await api.post('/staff/resume');
  await expect(page.getByText('欢迎光临')).toBeVisible();
});

test('a keyboard-emulating badge reader logs staff in; a person typing the same digits into a field does not', async ({ page, hcp }) => {
  const { api } = hcp;
  await openKiosk(page, hcp.terminal);
  await expect(page.getByText('窗口暂停服务')).toBeVisible();
  await scanBadge(page, '0A1B2C3D4E');
  await expect(page.getByText('欢迎光临')).toBeVisible();
  expect((await api.get('/status')).body['staff']).toMatchObject({ staffId: 'SM0012' });

  const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
  await page.getByRole('button', { name: '非常不满意', exact: true }).click();
  // The comment field opens its typing panel; a physical keyboard types into its text box.
  await page.getByRole('button', { name: '意见和建议（选填）' }).click();
  const comment = page.getByRole('textbox', { name: '意见和建议（选填）' });
  await comment.click();
  await comment.pressSequentially('0A1B2C3D4F', { delay: 120 });
  await page.keyboard.press('Enter');
  await expect(comment).toHaveValue('0A1B2C3D4F\n');
  expect((await api.get('/status')).body['staff']).toMatchObject({ staffId: 'SM0012' });
  // A scan while the field has focus: detected, and nothing of it is left in the field.
  await scanBadge(page, '0A1B2C3D4E');
  await page.waitForTimeout(200);
  await expect(comment).toHaveValue('0A1B2C3D4F\n');
  // Then another staff member's badge: a login, which waits for the citizen's follow-up (不得干扰评价): what they
  // typed stays, they submit it, and only then does the colleague take the window.
  await scanBadge(page, '0A1B2C3D4F');
  await expect(comment).toHaveValue('0A1B2C3D4F\n');
  await expect(page.locator('[data-state="follow-up"]')).toBeVisible();
  await page.locator('[data-skbtn="{done}"]').click();
  await page.getByRole('button', { name: '提交' }).click();
  await expect.poll(async () => ((await api.get('/status')).body['staff'] as { staffId: string }).staffId).toBe('SM0013');
  expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 1 });
});

test.describe('with the simulated keypad', () => {
  test.use({ provisioning: { devices: { keypad: { type: 'simulated' }, badge: { type: 'keypad' } } } });

  test('its keys drive the terminal through the real driver stack, and the pressed key lights up', async ({ page, hcp }) => {
    const { api } = hcp;
    await api.post('/staff/login', { badgeId: BADGE });
    await openKiosk(page, hcp.terminal);
    await expect.poll(async () => ((await api.get('/status')).body['devices'] as { keypad: { connected: boolean } }).keypad.connected).toBe(true);
    await page.getByRole('button', { name: '评价器按键 邀评' }).click();
    await expect(page.getByRole('heading', { name: '请您对本次服务作出评价' })).toBeVisible();
    await page.getByRole('button', { name: '评价器按键 2' }).click();
    await expect(page.getByText('感谢您的评价')).toBeVisible();
    await expect(page.getByRole('button', { name: '评价器按键 2' })).toHaveClass(/lit/);
    const status = (await api.get('/status')).body;
    expect(status['sync']).toMatchObject({ pending: 1 });
    expect((status['devices'] as { keypad: Record<string, unknown> }).keypad).toMatchObject({ type: 'simulated', connected: true, model: 'HCP-SIM-K5/1.0.0' });
  });
});
