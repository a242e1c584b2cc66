import { ClockOffset } from '../../sync/clock-offset.js';
import { createProvinceAdapter, type ProvinceAccount } from '../../sync/province/factory.js';
import { probePage, type PageProbe } from '../page/page-probe.js';
import { PAGE_LINK_TIMEOUT_MS } from '../page/settings.js';
import { PAGE_DEFAULTS, pageOrigins } from '../provisioning/province-schema.js';
import type { ProvisioningFile } from '../provisioning/schema.js';

/**
 * The page-mode probe for a provisioning file as typed, or null where it has no page mode (neither `province.page` nor
 * `rating.surface: "province-page"` in its offlineConfig; an hcp-json province may still switch it on in its config).
 */
export function probePageFor(file: ProvisioningFile, account: ProvinceAccount, fetch: typeof globalThis.fetch): Promise<PageProbe> | null {
  const p = file.province;
  if (p.page === undefined && file.offlineConfig?.rating.surface !== 'province-page') return null;
  const adapter = createProvinceAdapter(account, { clock: new ClockOffset(), timeoutMs: PAGE_LINK_TIMEOUT_MS, fetch });
  const settings = { origins: pageOrigins(p), loadTimeoutMs: p.page?.loadTimeoutMs ?? PAGE_DEFAULTS.loadTimeoutMs, statusPollMs: 0 };
  return probePage({ source: adapter.page, settings, terminalId: file.terminal.terminalId, fetch });
}
