import { BADGE } from '../helpers/fixtures.js';
import { expect, openKiosk, test } from './terminal-fixture.js';

/**
 * screens.md, "Never … a blank page": a part of the screen that cannot be drawn takes down only itself. The terminal's
 * own schemas keep such views out, so the test changes them on their way to the page (what a province field of a
 * shape nobody expected, or a bug, would do): a staff name that is not text, and a QR link of 3,000 characters.
 * Before, the first one unmounted the whole page, blank through Serving and Inviting and again after a reload, and the
 * second threw "The amount of data is too big to be stored in a QR Code".
 */
test('a region that cannot be drawn leaves the rest of the screen, and the five buttons rate; the technician is told', async ({ page, hcp }) => {
  await page.routeWebSocket(/\/bridge$/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      const msg = JSON.parse(String(message)) as { kind: string; view?: Record<string, unknown> & { staff: Record<string, unknown> | null } };
      if (msg.kind === 'view' && msg.view) {
        if (msg.view.staff) msg.view.staff['name'] = 12345;
        msg.view['staticQrUrl'] = `https://hcp.example.gov.cn/h5/window?x=${'x'.repeat(3000)}`;
        const session = msg.view['session'] as Record<string, unknown> | null;
        if (session) session['qrUrl'] = `https://hcp.example.gov.cn/m/e?s=${'y'.repeat(1200)}`;
      }
      ws.send(JSON.stringify(msg));
    });
  });
  const { api } = hcp;
  await openKiosk(page, hcp.terminal);
  await api.post('/staff/login', { badgeId: BADGE });
  await expect(page.locator('[data-state="serving"] .welcome')).toBeVisible();
  await expect(page.locator('.header .hall')).toHaveText('测试大厅');
  await expect(page.locator('svg.qr')).toHaveCount(0);
  await expect(page.locator('.staff-card')).toHaveCount(0);

  const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
  await expect(page.locator('.level')).toHaveCount(5);
  await expect(page.locator('.invite-title')).toBeVisible();
  await expect(page.locator('.qr-box')).toHaveCount(0);
  await page.locator('.level-4').click();
  await expect(page.locator('[data-state="thanks"]')).toBeVisible();
  expect(await api.get(`/sessions/${sessionId}`)).toMatchObject({ status: 200, body: { status: 'rated', satisfaction: 4 } });

  // The technician sees why in the diagnostics' problem list: the log's warnings.
  await expect.poll(() => hcp.terminal.stderr()).toMatch(/failed to draw/);
  expect(hcp.terminal.stderr()).toMatch(/too long to scan at its size/);
});
