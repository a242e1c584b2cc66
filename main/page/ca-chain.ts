import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { bareHost } from '../../sync/net/bare-host.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** Longer than any chain a hall's proxy or a province sends; a loop in the sent certificates ends here. */
const MAX_DEPTH = 8;

/**
 * Whether the chain a server sent (leaf first, as it came) leads up to one of `cas` (the provisioned
 * `province.tls.caCertificates`): each link by its issuer's name and signature, every certificate on the way and the
 * anchor within its dates at `now`, the intermediates CAs, the leaf for `hostname` and, where it says, for servers.
 * Only for a chain Chromium refused for its unknown issuer: the OS store's verdict stays Chromium's.
 */
export function chainReachesCa(hostname: string, chainPems: readonly string[], cas: readonly X509Certificate[], now: Date): boolean {
  let sent: X509Certificate[];
  try {
    sent = chainPems.map((p) => new X509Certificate(p));
  } catch {
    return false;
  }
  const leaf = sent[0];
  if (!leaf || !forHost(leaf, hostname)) return false;
  // Node leaves it undefined where the certificate has no extended key usage (any use), whatever its type says.
  const eku = leaf.keyUsage as readonly string[] | undefined;
  if (eku && !eku.includes(SERVER_AUTH)) return false;
  const used = new Set<X509Certificate>();
  let cur = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (!within(cur, now)) return false;
    if (cas.some((ca) => ca.ca && within(ca, now) && signedBy(cur, ca))) return true;
    used.add(cur);
    const next = sent.find((c) => !used.has(c) && c.ca && signedBy(cur, c));
    if (!next) return false;
    cur = next;
  }
  return false;
}

function signedBy(c: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return c.checkIssued(issuer) && c.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function within(c: X509Certificate, now: Date): boolean {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  return Number.isFinite(from) && Number.isFinite(to) && from <= now.getTime() && now.getTime() <= to;
}

function forHost(leaf: X509Certificate, hostname: string): boolean {
  const host = bareHost(hostname);
  return (isIP(host) ? leaf.checkIP(host) : leaf.checkHost(host)) !== undefined;
}
