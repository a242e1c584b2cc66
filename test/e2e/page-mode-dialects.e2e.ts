import { join } from 'node:path';
import { apiClient, sseClient } from '../helpers/clients.js';
import { tempDir } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';
import { expect, openKiosk, test } from './terminal-fixture.js';

/**
 * Issue 26's first acceptance line, end to end through the real parts: `serve --demo --surface province-page` in each
 * dialect, its embedded simulator's own H5 page (on 127.0.0.2, not the terminal's host) in the kiosk's sandboxed frame,
 * the citizen's press inside it, and the terminal learning the level only from the province's status answer: the
 * business system hears `rated` with the page's level, and the terminal uploads nothing of it.
 */
for (const dialect of ['hcp-json', 'gov-form'] as const) {
  test(`${dialect}: a citizen rates on the province’s page; the business system hears it, and nothing is uploaded by the terminal`, async ({ page }) => {
    test.setTimeout(90_000);
    const keys = tempDir('hcp-keys-');
    const dir = tempDir();
    let t: RunningTerminal | null = null;
    try {
      t = await startTerminal(['--data-dir', join(dir.path, 'data'), '--port', '0', '--demo', '--dialect', dialect, '--surface', 'province-page'], {
        HCP_KEY_DIR: keys.path,
      });
      const api = apiClient(t.ready.api, 'demo-local-api-token-0001');
      const events = await sseClient(t.ready.api, 'demo-local-api-token-0001');
      try {
        await openKiosk(page, t);
        await expect(page.locator('[data-state="serving"]')).toBeVisible();
        const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
        const frame = page.frameLocator('iframe.page-frame');
        await expect(frame.getByRole('heading', { name: '请对本次服务进行评价' })).toBeVisible({ timeout: 15_000 });
        await frame.getByRole('button', { name: '满意', exact: true }).click();
        await expect(page.getByText('感谢您的评价')).toBeVisible({ timeout: 15_000 });
        expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ sessionId, status: 'rated', satisfaction: 4 });
        await expect
          .poll(() => events.events.find((e) => e.event === 'session.rated')?.data)
          .toMatchObject({ sessionId, satisfaction: 4, surface: 'province-page' });
        // The province holds the rating: the terminal's queue never had it.
        const sync = (await api.get('/status')).body['sync'] as { pending: number; deadLetter: number };
        expect(sync).toMatchObject({ pending: 0, deadLetter: 0 });
      } finally {
        events.close();
      }
    } finally {
      await t?.stop();
      dir.cleanup();
      keys.cleanup();
    }
  });
}
