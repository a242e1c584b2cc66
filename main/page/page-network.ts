import { isIP } from 'node:net';
import { bareHost } from '../../sync/net/bare-host.js';

/**
 * The network the province's page is loaded over in the kiosk's browser (terminal-cli.md v1.3): the proxy the
 * terminal's own requests use (provisioned, else the service's environment, as the runtime resolved it), the hosts that
 * bypass it and the provisioned CAs. Both shells take it from here: Electron's page session (main/electron) and the
 * headless kiosk's Chromium (main/host/kiosk-network.ts).
 */
export interface PageProxy {
  /** `http:` (a hall's proxy), or `https:` where the environment names one. */
  scheme: 'http:' | 'https:';
  /** As a URL writes it: an IPv6 address in brackets. */
  host: string;
  port: number;
  /** Empty when the proxy asks for none. Never written to a file or a command line. */
  user: string;
  pass: string;
}

export interface PageNetwork {
  /** The proxy for https:// pages; null: direct. */
  https: PageProxy | null;
  /** The proxy for http:// pages; null: direct. */
  http: PageProxy | null;
  /** `NO_PROXY` entries: a name, `.domain` / `*.domain`, an address, optionally `:port`; `*` for every host. */
  noProxy: readonly string[];
  /** PEM certificates trusted for the page besides the OS store. */
  caCertificates: readonly string[];
}

/** A proxy URL as `PageProxy`, or null (none, or not a URL Chromium could use). */
export function parsePageProxy(url: string | undefined): PageProxy | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (!u.hostname) return null;
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    return { scheme: u.protocol, host: u.hostname, port, user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) };
  } catch {
    return null;
  }
}

/** `http://host:port`: the proxy without its user name or password. */
export function proxyServer(p: PageProxy): string {
  return `${p.scheme}//${p.host}:${String(p.port)}`;
}

function same(a: PageProxy, b: PageProxy): boolean {
  return a.scheme === b.scheme && a.host === b.host && a.port === b.port;
}

/** Chromium's proxy rules (`session.setProxy`'s `proxyRules`, `--proxy-server=`), no password; '' for none. */
export function chromiumProxyRules(n: Pick<PageNetwork, 'http' | 'https'>): string {
  if (n.https && n.http && same(n.https, n.http)) return proxyServer(n.https);
  const rules: string[] = [];
  if (n.https) rules.push(`https=${proxyServer(n.https)}`);
  if (n.http) rules.push(`http=${proxyServer(n.http)}`);
  return rules.join(';');
}

/**
 * `NO_PROXY` as Chromium's bypass rules. curl and Node take `example.com` (and `.example.com`) for the domain and every
 * name under it; Chromium takes a bare name for that host alone, so each is given as the name and `*.name`. Loopback
 * needs no rule: Chromium never sends it to a proxy.
 */
export function chromiumBypassRules(noProxy: readonly string[], separator = ','): string {
  const out: string[] = [];
  for (const raw of noProxy) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry === '*' || entry.startsWith('[') || isIP(entry) !== 0 || /^[0-9.]+:\d+$/.test(entry)) {
      out.push(entry);
      continue;
    }
    const name = entry.replace(/^\*?\./, '');
    out.push(name, `*.${name}`);
  }
  return [...new Set(out)].join(separator);
}

/** Whether a proxy's credential challenge comes from this network's proxy, and with what to answer it; else null. */
export function proxyCredentials(
  n: Pick<PageNetwork, 'http' | 'https'>,
  challenge: { isProxy: boolean; host: string; port: number },
): { user: string; pass: string } | null {
  if (!challenge.isProxy) return null;
  const host = bareHost(challenge.host).toLowerCase();
  for (const p of [n.https, n.http]) {
    if (p?.user && bareHost(p.host).toLowerCase() === host && p.port === challenge.port) return { user: p.user, pass: p.pass };
  }
  return null;
}
