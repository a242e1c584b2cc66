import type { WebSocketRoute } from '@playwright/test';
import { BADGE } from '../helpers/fixtures.js';
import { expect, openKiosk, test } from './terminal-fixture.js';

/**
 * Issue 18: on a slow board the terminal's answer can take a while. The pressed button answers the finger at once;
 * Thanks waits for the terminal, which shows it only once the rating is committed.
 */
test('the pressed level shows before the terminal answers, and Thanks only after the rating is stored', async ({ page, hcp }) => {
  const { api } = hcp;
  expect((await api.post('/staff/login', { badgeId: BADGE })).status).toBe(200);
  // Between the page and the terminal: the page's choice is held back, as if the terminal were slow to get to it.
  const held: string[] = [];
  let toTerminal: WebSocketRoute | null = null;
  let holding = true;
  await page.routeWebSocket(/\/bridge$/, (ws) => {
    const server = ws.connectToServer();
    toTerminal = server;
    ws.onMessage((m) => {
      const text = typeof m === 'string' ? m : m.toString('utf8');
      if (holding && text.includes('"choose"')) held.push(text);
      else server.send(text);
    });
  });
  await openKiosk(page, hcp.terminal);
  const opened = await api.post('/sessions', {});
  expect(opened.status).toBe(201);
  const { sessionId } = opened.body as { sessionId: string };
  const satisfied = page.getByRole('button', { name: '满意', exact: true });
  await expect(satisfied).toBeEnabled();

  await satisfied.click();
  await expect.poll(() => held.length).toBe(1);
  await expect(satisfied).toHaveClass(/\bpressed\b/);
  await expect(page.getByRole('button', { name: '非常满意', exact: true })).not.toHaveClass(/\bpressed\b/);
  // The choice has not reached the terminal: nothing is stored, and the page says no thanks for it.
  expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'inviting' });
  await expect(page.locator('.screen.thanks')).toHaveCount(0);
  await expect(page.locator('.app')).toHaveAttribute('data-state', 'inviting');

  holding = false;
  const server = toTerminal as WebSocketRoute | null;
  if (!server) throw new Error('the bridge socket was not routed');
  for (const m of held.splice(0)) server.send(m);
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 4 });
});

/**
 * Issue 18: the page draws nothing until the terminal's first view (a "connecting" screen drawn first cost a cheap
 * board a render and a layout of CJK text only to be replaced at once), but a terminal that does not answer is still
 * said, so nobody at the window looks at a blank screen wondering.
 */
test('a page whose terminal does not answer says it is connecting', async ({ page, hcp }) => {
  // The socket opens, and nothing comes from the terminal.
  await page.routeWebSocket(/\/bridge$/, () => undefined);
  await openKiosk(page, hcp.terminal);
  await expect(page.locator('.app')).toHaveAttribute('data-state', 'connecting');
  await expect(page.getByText('正在连接…')).toBeVisible();
});
