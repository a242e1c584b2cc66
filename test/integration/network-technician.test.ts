import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProvisioning, readProvisioningFile } from '../../main/provisioning/apply.js';
import { handleIntent } from '../../main/runtime/intents.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { MetaStore } from '../../main/store/meta.js';
import { startProvinceSim, type ProvinceSim } from '../../sync/province-sim/simulator.js';
import { silentLog } from '../helpers/core.js';
import { APP } from '../helpers/dialects.js';
import { provisioningFile, tempDir } from '../helpers/fixtures.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { startTlsFront, type TlsFront } from '../helpers/tls-front.js';

// The technician screen shows the proxy (its password hidden) and the provisioned CAs by subject and SHA-256, and its
// "test connection" and "apply" keep the file's proxy and CAs, which the form itself does not edit.

const AUTH = { user: 'hall', pass: 'Tq-proxy-pw-4410' };
const TECH_PIN = '135790';
/** What beforeAll started, stopped by afterAll (whatever got started before a failure). */
const closers: (() => Promise<unknown>)[] = [];
let sim: ProvinceSim;
let ca: TestCa;
let front: TlsFront;
let proxy: Tinyproxy;
let rt: Runtime;
const dirs: { cleanup: () => void }[] = [];

beforeAll(async () => {
  sim = await startProvinceSim({ apps: [APP] });
  closers.push(() => sim.close());
  ca = makeTestCa('Hall IT Root CA');
  front = await startTlsFront({ targetPort: sim.port, ...ca.issue({ cn: 'hcp.hall.test', san: 'IP:127.0.0.1' }) });
  closers.push(() => front.close());
  proxy = await startTinyproxy(AUTH);
  closers.push(() => proxy.stop());
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  dirs.push(keys, data);
  process.env['HCP_KEY_DIR'] = keys.path;
  const file = provisioningFile({ baseUrl: front.url, province: { tls: { caCertificates: [ca.ca.cert] } } });
  file['network'] = { proxy: proxy.url(AUTH), noProxy: ['intranet.hall.test'] };
  const path = join(data.path, 'provision.json');
  writeFileSync(path, JSON.stringify(file));
  rt = await startRuntime({
    log: silentLog,
    dataDir: data.path,
    provisioningFile: readProvisioningFile(path),
    usbRoots: [data.path],
    passive: true,
    restart: () => undefined,
  });
  closers.push(() => rt.close());
  await rt.terminal.technicianEnter(TECH_PIN);
});

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  for (const d of dirs) d.cleanup();
});

const setup = () => {
  const s = rt.terminal.view().technician.setup;
  if (!s) throw new Error('technician mode is not open');
  return s;
};

describe('the technician screen and a provisioned proxy and CA', () => {
  it('shows the proxy without its password and each CA by subject and SHA-256 fingerprint', () => {
    expect(setup().network).toEqual({
      proxy: `http://hall:***@127.0.0.1:${String(proxy.port)}`,
      proxyFrom: 'provisioning',
      noProxy: ['intranet.hall.test'],
      provinceCas: [
        { subject: 'CN=Hall IT Root CA', validTo: new X509Certificate(ca.ca.cert).validTo, sha256: new X509Certificate(ca.ca.cert).fingerprint256 },
      ],
    });
    expect(JSON.stringify(rt.terminal.view())).not.toContain(AUTH.pass);
  });

  it("tests the connection from the form through the file's proxy, trusting its CA", async () => {
    const before = proxy.log().length;
    expect(await handleIntent(rt.terminal, { type: 'testConnection', draft: setup().form }, rt.intentExtras)).toEqual({ ok: true });
    expect(setup().connection).toMatchObject({ reachable: true, code: null });
    expect(proxy.log().slice(before)).toContain(`127.0.0.1:${String(front.port)}`);
  });

  it('keeps the proxy (its password still sealed) and the CAs when the form is applied', async () => {
    expect(await handleIntent(rt.terminal, { type: 'provisioningApply', draft: setup().form }, rt.intentExtras)).toMatchObject({ ok: true });
    const stored = loadProvisioning(new MetaStore(rt.db));
    expect(stored?.network).toMatchObject({
      proxy: `http://hall@127.0.0.1:${String(proxy.port)}`,
      proxyPasswordSealed: expect.stringMatching(/^v1:/),
      noProxy: ['intranet.hall.test'],
    });
    expect(stored?.province.tls?.caCertificates).toEqual([ca.ca.cert]);
    expect(JSON.stringify(stored)).not.toContain(AUTH.pass);
  });
});
