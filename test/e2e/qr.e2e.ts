import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import type { Page } from '@playwright/test';
import { FAST_SYNC } from '../helpers/sync-rig.js';
import { apiClient } from '../helpers/clients.js';
import { dialects, missing, writeDialectProvisioning } from '../helpers/dialects.js';
import { BADGE, tempDir } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { expect, test } from './terminal-fixture.js';

// jsqr is CommonJS with an ES-style default; load it the same way under every transpilation.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const loaded = createRequire(import.meta.url)('jsqr') as JsQr | { default: JsQr };
const jsQR: JsQr = typeof loaded === 'function' ? loaded : loaded.default;

/** Reads the QR code on screen the way a phone would: from pixels. */
async function scanQr(page: Page): Promise<string> {
  const png = PNG.sync.read(await page.getByRole('img', { name: '扫码评价' }).screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!code) throw new Error('no QR code could be read from the screen');
  return code.data;
}

for (const d of dialects) {
  test(`the QR on the Inviting screen is the ${d.name} province’s page, and its offline page while the province is down`, async ({ page }) => {
    test.skip(missing(d) !== null, missing(d) ?? '');
    const sim = await d.start();
    const keys = tempDir('hcp-keys-');
    const data = tempDir();
    const terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', writeDialectProvisioning(d, data.path, { baseUrl: sim.url })], {
      HCP_KEY_DIR: keys.path,
      ...FAST_SYNC,
    });
    try {
      const api = apiClient(terminal.ready.api);
      await api.post('/staff/login', { badgeId: BADGE });
      await page.goto(terminal.ready.ui);

      const first = (await api.post('/sessions', {})).body as { sessionId: string; qrUrl: string };
      const online = await scanQr(page);
      expect(online).toBe(first.qrUrl);
      expect(online.startsWith(new URL(sim.url).origin)).toBe(true);
      expect(sim.knowsLink(online)).toBe('dynamic');
      expect((await fetch(online)).status).toBe(200);

      await api.post(`/sessions/${first.sessionId}/cancel`);
      await sim.close();
      const second = (await api.post('/sessions', {})).body as { sessionId: string; qrUrl: string };
      await expect(page.getByRole('img', { name: '扫码评价' })).toHaveAttribute('data-qr-value', second.qrUrl);
      const offline = await scanQr(page);
      expect(offline).toBe(second.qrUrl);
      // Read as the province's page reads it (gov-form: base64 of base64 of the query, each value percent-encoded).
      expect(sim.offlineSession(offline)).toEqual({ sessionId: second.sessionId, terminalId: 'T-350402-0001' });
      expect(sim.knowsLink(offline)).toBe('offline');
    } finally {
      await terminal.stop();
      await sim.close().catch(() => undefined);
      data.cleanup();
      keys.cleanup();
    }
  });
}
