import { DEFAULT_LINK_TEMPLATE_PATH } from '../../sync/links.js';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { startGovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { DEMO_SM2_PRIVATE_KEY } from '../../sync/province-sim/demo-keys.js';
import { DEFAULT_OFFLINE_PAGE_PATH } from '../../sync/province/gov-form/offline-page.js';
import { demoProvisioning } from '../provisioning/demo.js';
import type { StoredProvisioning } from '../provisioning/schema.js';

/** The demo's province: a simulator of the demo hall's dialect on a port of its own, serving the demo hall's config. */
export async function startDemoProvince(appSecret: string, prov: StoredProvisioning): Promise<{ url: string; pageOrigin: string; close: () => Promise<void> }> {
  if (prov.province.dialect === 'gov-form') {
    return startGovFormSim({
      apps: [{ appMark: prov.province.appMark, appWord: appSecret }],
      sm2PrivateKey: DEMO_SM2_PRIVATE_KEY,
      satisfactionCodes: prov.province.satisfactionCodes,
    });
  }
  const sim = await startProvinceSim({ apps: [{ appKey: prov.province.appKey, appSecret }] });
  // Only now is its address known: the hall's static QR code must point at it.
  const surface = prov.province.page ? 'province-page' : 'terminal';
  const { staff, ...config } = demoProvisioning(sim.url, undefined, { surface }).offlineConfig ?? { staff: [] };
  sim.setConfig({ ...config, staff: staff.map(({ pin: _pin, ...s }) => s) });
  return sim;
}

/** The stored provisioning pointed at the demo's simulator (its address is known only once it listens). */
export function withProvince(p: StoredProvisioning, sim: { url: string; pageOrigin: string }): StoredProvisioning {
  const url = sim.url;
  // A page-mode demo's page is its simulator's, on the origin it got (province-page.md).
  if (p.province.page) p = { ...p, province: { ...p.province, page: { ...p.province.page, origins: [sim.pageOrigin] } } };
  if (p.province.dialect === 'gov-form') {
    return { ...p, province: { ...p.province, baseUrl: url, offlinePageTemplate: new URL(url).origin + DEFAULT_OFFLINE_PAGE_PATH } };
  }
  return { ...p, province: { ...p.province, baseUrl: url, offlineLinkTemplate: url + DEFAULT_LINK_TEMPLATE_PATH } };
}
