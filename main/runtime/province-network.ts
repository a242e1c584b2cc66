import { createTransport, proxyEnvFor, redactProxy, type NetworkSettings, type Transport } from '../../sync/net/transport.js';
import { networkSettings, openNetwork, showCa, type NetworkFile, type NetworkStored } from '../provisioning/network.js';

/** The transport for a provisioning file's (or the stored, opened) proxy and the province's CAs. */
export function transportFor(f: { network?: NetworkFile | undefined; province: { tls?: { caCertificates: string[] } | undefined } }): Transport {
  return createTransport(networkSettings(f.network, f.province.tls));
}

/**
 * The running terminal's network: the stored proxy opened, its transport, and one log line that says what is in force
 * (the password hidden). `form` is what the technician form carries through (FormBase).
 */
export async function provinceNetwork(
  p: { network?: NetworkStored | undefined; province: { tls?: { caCertificates: string[] } | undefined } } | null,
  open: (sealed: string) => Promise<string>,
  log: { info(obj: object, msg: string): void },
): Promise<{
  transport: Transport;
  /** The same settings, for the province's page (main/runtime/page-network.ts). */
  settings: NetworkSettings;
  form: { network: NetworkFile | undefined; provinceTls: { caCertificates: string[] } | undefined };
}> {
  const network = await openNetwork(p?.network, open);
  const settings = networkSettings(network, p?.province.tls);
  const transport = createTransport(settings);
  if (p)
    log.info({ proxy: transport.proxyShown, noProxy: network?.noProxy ?? [], provisionedCas: p.province.tls?.caCertificates.length ?? 0 }, 'province network');
  return { transport, settings, form: { network, provinceTls: p?.province.tls } };
}

/** What the technician screen shows of the network: the proxy in force and whence, the bypassed hosts, the provisioned CAs. */
export function networkView(n: NetworkFile | undefined, tls: { caCertificates: string[] } | undefined, env: NodeJS.ProcessEnv = process.env) {
  const e = proxyEnvFor({}, env);
  const envProxy = e.HTTPS_PROXY ?? e.HTTP_PROXY;
  const fromEnv = (e.NO_PROXY ?? '').split(',').map((h) => h.trim());
  return {
    proxy: n?.proxy ? redactProxy(n.proxy) : envProxy ? redactProxy(envProxy) : null,
    proxyFrom: n?.proxy ? ('provisioning' as const) : envProxy ? ('environment' as const) : null,
    noProxy: n?.proxy ? n.noProxy : fromEnv.filter(Boolean),
    provinceCas: (tls?.caCertificates ?? []).map(showCa),
  };
}
