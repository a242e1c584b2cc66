import { proxyEnvFor, type NetworkSettings } from '../../sync/net/transport.js';
import { parsePageProxy, type PageNetwork } from '../page/page-network.js';

/**
 * The page's network as the terminal's own requests have it (sync/net/transport.ts): the provisioned proxy, else the
 * service's `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`, and the provisioned CAs.
 */
export function pageNetworkOf(s: NetworkSettings, env: NodeJS.ProcessEnv = process.env): PageNetwork {
  const e = proxyEnvFor(s, env);
  return {
    https: parsePageProxy(e.HTTPS_PROXY),
    http: parsePageProxy(e.HTTP_PROXY),
    noProxy: (e.NO_PROXY ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    caCertificates: [...(s.caCertificates ?? [])],
  };
}
