import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../main/provisioning/apply.js';
import { openNetwork, sealNetwork } from '../../main/provisioning/network.js';
import { KeySealer } from '../../main/provisioning/secrets.js';
import { nodeHasProxyAgents, proxyEnvFor, redactProxy } from '../../sync/net/transport.js';
import { provisioningFile } from '../helpers/fixtures.js';

const CERT = readFileSync(fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url)), 'utf8');

function withNetwork(network: unknown, tls?: unknown): Record<string, unknown> {
  const f = provisioningFile(tls === undefined ? {} : { province: { tls } });
  f['network'] = network;
  return f;
}

describe('network.proxy and province.tls in the provisioning file (terminal-cli.md v1.3)', () => {
  it('takes http://[user:pass@]host:port, noProxy hosts and PEM CAs', () => {
    const p = parseProvisioning(
      withNetwork(
        { proxy: 'http://hall:p%40ss@10.1.2.3:3128', noProxy: ['intranet.gov.cn', '.local.gov.cn', '10.0.0.1', 'host:8443'] },
        { caCertificates: [CERT] },
      ),
    );
    expect(p.network).toEqual({ proxy: 'http://hall:p%40ss@10.1.2.3:3128', noProxy: ['intranet.gov.cn', '.local.gov.cn', '10.0.0.1', 'host:8443'] });
    expect(p.province.tls?.caCertificates).toEqual([CERT]);
  });

  it.each([
    ['https://proxy.gov.cn:3128', 'network.proxy'],
    ['http://proxy.gov.cn', 'network.proxy'],
    ['http://proxy.gov.cn:3128/path', 'network.proxy'],
    ['proxy.gov.cn:3128', 'network.proxy'],
  ])('refuses the proxy %s, naming the field', (proxy, field) => {
    expect(() => parseProvisioning(withNetwork({ proxy }))).toThrow(new RegExp(`${field.replace('.', '\\.')}.*http://\\[user:pass@\\]host:port`));
  });

  it('refuses a CA that is not a PEM certificate, and a noProxy entry that is not a host', () => {
    expect(() => parseProvisioning(withNetwork({}, { caCertificates: ['not a cert'] }))).toThrow(
      /province\.tls\.caCertificates\.0.*not a PEM X\.509 certificate/,
    );
    expect(() => parseProvisioning(withNetwork({ noProxy: ['http://x/'] }))).toThrow(/network\.noProxy\.0/);
  });

  it('seals the proxy password: the stored URL keeps the user only, and opening gives the URL back', async () => {
    const sealer = new KeySealer(Buffer.alloc(32, 3));
    const stored = await sealNetwork({ proxy: 'http://hall:p%40ss:w@10.1.2.3:3128', noProxy: [] }, (p) => sealer.seal(p));
    expect(stored.proxy).toBe('http://hall@10.1.2.3:3128');
    expect(JSON.stringify(stored)).not.toContain('ss:w');
    expect(sealer.openSync(stored.proxyPasswordSealed ?? '')).toBe('p@ss:w');
    const opened = await openNetwork(stored, (s) => sealer.open(s));
    expect(opened?.proxy).toBe('http://hall:p%40ss%3Aw@10.1.2.3:3128');
    expect(redactProxy(opened?.proxy ?? '')).toBe('http://hall:***@10.1.2.3:3128');
  });

  it("falls back to the environment's proxy (either case) only without network.proxy", () => {
    expect(proxyEnvFor({}, { https_proxy: 'http://e:1', no_proxy: 'a' })).toEqual({ HTTP_PROXY: undefined, HTTPS_PROXY: 'http://e:1', NO_PROXY: 'a' });
    expect(proxyEnvFor({ proxy: 'http://p:2', noProxy: ['b'] }, { HTTPS_PROXY: 'http://e:1' })).toEqual({
      HTTP_PROXY: 'http://p:2',
      HTTPS_PROXY: 'http://p:2',
      NO_PROXY: 'b',
    });
  });

  it('knows which Node can proxy (24.5 and later), so an older one refuses rather than going direct', () => {
    expect([nodeHasProxyAgents('24.4.1'), nodeHasProxyAgents('24.5.0'), nodeHasProxyAgents('25.0.0'), nodeHasProxyAgents('22.21.0')]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(nodeHasProxyAgents()).toBe(true);
  });
});
