import { describe, expect, it } from 'vitest';
import { chromiumBypassRules, chromiumProxyRules } from '../../main/page/page-network.js';
import { pageNetworkOf } from '../../main/runtime/page-network.js';

describe('the network the province’s page is loaded over', () => {
  it('is the provisioned proxy, over the service’s environment, with the provisioned CAs', () => {
    const env = { HTTPS_PROXY: 'http://env-proxy:8080', NO_PROXY: 'env.lan' };
    const n = pageNetworkOf({ proxy: 'http://kiosk:p%40ss@proxy.hall.lan:3128', noProxy: ['intranet.lan'], caCertificates: ['PEM'] }, env);
    expect(n).toEqual({
      https: { scheme: 'http:', host: 'proxy.hall.lan', port: 3128, user: 'kiosk', pass: 'p@ss' },
      http: { scheme: 'http:', host: 'proxy.hall.lan', port: 3128, user: 'kiosk', pass: 'p@ss' },
      noProxy: ['intranet.lan'],
      caCertificates: ['PEM'],
    });
    expect(chromiumProxyRules(n)).toBe('http://proxy.hall.lan:3128');
  });

  it('is the service’s environment where nothing is provisioned, either case, as the terminal’s own requests', () => {
    const n = pageNetworkOf({}, { https_proxy: 'http://a:1', http_proxy: 'http://b:2', no_proxy: '.gov.lan, 10.1.2.3' });
    expect(chromiumProxyRules(n)).toBe('https=http://a:1;http=http://b:2');
    expect(n.noProxy).toEqual(['.gov.lan', '10.1.2.3']);
    expect(chromiumProxyRules(pageNetworkOf({}, {}))).toBe('');
  });

  it('bypasses a NO_PROXY domain and every name under it, as curl does, in Chromium’s words', () => {
    expect(chromiumBypassRules(['example.com', '.gov.lan', '*.corp.lan', '10.0.0.7', '10.0.0.8:8443', '[::1]', 'fe80::1', '*'], ';')).toBe(
      'example.com;*.example.com;gov.lan;*.gov.lan;corp.lan;*.corp.lan;10.0.0.7;10.0.0.8:8443;[::1];fe80::1;*',
    );
  });
});
