import { isIP } from 'node:net';
import { bareHost } from '../../sync/net/bare-host.js';

/**
 * Which `Host` headers the server answers. A page on a DNS-rebound name (attacker.example → 127.0.0.1) sends its
 * own name as Host and is refused; loopback names always pass, and the address the API is bound to when it
 * listens on the hall LAN. Wildcard binds (allowed only with TLS or an audited allowLan) accept IP literals,
 * which no rebinding can produce.
 */
export function hostAllowlist(bindHost: string, port: number): (host: string | undefined) => boolean {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
  if (!wildcard && bindHost !== 'localhost') names.add(isIP(bindHost) === 6 ? `[${bindHost}]` : bindHost);
  return (host) => {
    if (!host) return false;
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
    if (!m?.[1]) return false;
    const name = m[1];
    // Browsers omit the port only for 80 and 443; a Host without the server's port is someone else's name.
    if (m[2] === undefined || Number(m[2]) !== port) return false;
    if (names.has(name)) return true;
    return wildcard && (isIP(name) !== 0 || isIP(bareHost(name)) !== 0);
  };
}
