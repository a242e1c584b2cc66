import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalConfigSchema } from '../../main/core/config.js';
import { META_OFFLINE_CONFIG } from '../../main/provisioning/apply.js';
import { DEMO_SURFACES } from '../../main/provisioning/demo.js';
import { pageSettings, provinceAccount } from '../../main/provisioning/province-schema.js';
import { startRuntime } from '../../main/runtime/runtime.js';
import { MetaStore } from '../../main/store/meta.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { createProvinceAdapter } from '../../sync/province/factory.js';
import { PAGE_HOST } from '../../sync/province-sim/page-host.js';
import { silentLog } from '../helpers/core.js';
import { tempDir } from '../helpers/fixtures.js';

/** `serve --demo --surface province-page` (province-page.md): the demo hall rates on its simulator's page. */

const SECRETS = { 'hcp-json': 'demo-app-secret-not-for-production', 'gov-form': 'demo-app-word-not-for-production' } as const;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.each(['hcp-json', 'gov-form'] as const)('the %s demo in page mode', (dialect) => {
  it('is provisioned with its simulator’s page origin and surface province-page; the page it links is served there', async () => {
    expect(DEMO_SURFACES).toContain('province-page');
    const keys = tempDir('hcp-keys-');
    const data = tempDir();
    process.env['HCP_KEY_DIR'] = keys.path;
    cleanups.push(keys.cleanup, data.cleanup);
    const rt = await startRuntime({
      dataDir: data.path,
      demo: true,
      demoDialect: dialect,
      demoSurface: 'province-page',
      log: silentLog,
      backgroundLater: true,
    });
    cleanups.push(() => rt.close());
    const p = rt.provisioning;
    if (!p) throw new Error('the demo was not provisioned');
    const settings = pageSettings(p);
    expect(settings.origins).toHaveLength(1);
    const origin = new URL(settings.origins[0] ?? '');
    expect(origin.hostname).toBe(PAGE_HOST);
    expect(origin.origin).not.toBe(new URL(p.province.baseUrl).origin);

    const adapter = createProvinceAdapter(provinceAccount(p.province, SECRETS[dialect], p.terminal.terminalId, p.terminal.areaCode), {
      clock: new ClockOffset(),
      timeoutMs: 3000,
    });
    const sessionId = randomUUID();
    const link = await adapter.page?.pageLink(
      { terminalId: p.terminal.terminalId, sessionId, proManager: 'SM0012', returnUrl: `http://127.0.0.1:8720/page-return?session=${sessionId}` },
      3000,
    );
    expect(link).toMatchObject({ kind: 'link' });
    const url = link?.kind === 'link' ? link.url : '';
    expect(new URL(url).origin).toBe(origin.origin);
    expect((await fetch(url)).status).toBe(200);
    // The rating policy says province-page wherever the dialect takes it from: the province's config, or offlineConfig.
    if (dialect === 'hcp-json') {
      const config = await adapter.config?.fetch(null);
      expect(config).toMatchObject({ kind: 'config', body: { rating: { surface: 'province-page' } } });
    }
    expect(new MetaStore(rt.db).get(META_OFFLINE_CONFIG, terminalConfigSchema)?.rating.surface).toBe('province-page');
  });
});
