/**
 * A host as a socket, `isIP` or a certificate check takes it: an IPv6 address without a URL's brackets (`[::1]` →
 * `::1`); any other host as it is. A leading `[` and a trailing `]` go each on its own. One pure helper for main/ and
 * sync/ alike (.dependency-cruiser.cjs lets main/ import it), so the terminal strips brackets the same way everywhere.
 */
export function bareHost(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}
