import { BADGE } from '../helpers/fixtures.js';
import { expect, test } from './terminal-fixture.js';

const LABELS = ['非常满意', '满意', '基本满意', '不满意', '非常不满意'];

test('a citizen clicks 满意 and the business system reads rated with satisfaction 4', async ({ page, hcp }) => {
  const { api } = hcp;
  expect((await api.post('/staff/login', { badgeId: BADGE })).status).toBe(200);
  await page.goto(hcp.terminal.ready.ui);
  await expect(page.getByText('张三').first()).toBeVisible();

  const opened = await api.post('/sessions', { projectNo: 'BJ20261124001', items: [{ taskCode: 'T1', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' }] });
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
  await page.goto(hcp.terminal.ready.ui);
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
  await page.goto(hcp.terminal.ready.ui);
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
