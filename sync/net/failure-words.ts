import type { PeerCertificate } from 'node:tls';
import { bareHost } from './bare-host.js';

/**
 * A request that got no answer, said in words a technician can act on: the proxy (unreachable, credentials refused,
 * its own error page) or the province's certificate (unknown CA, expired, wrong host name, with its subject and dates).
 */
export class TransportFailure extends Error {
  /** PROXY_UNSUPPORTED, PROXY_UNREACHABLE, PROXY_AUTH_REQUIRED, PROXY_AUTH_REFUSED, PROXY_ERROR, TLS_UNKNOWN_CA, TLS_EXPIRED, TLS_NOT_YET_VALID, TLS_WRONG_HOST, TLS_FAILED */
  readonly code: string;
  // No parameter properties: the OS-store test loads this file with Node's own type stripping.
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether the certificate itself is what failed (so reading it, for its subject and dates, is worth a handshake). */
export function isCertificateError(code: string | undefined): boolean {
  return !!code && (UNKNOWN_CA.has(code) || code.startsWith('CERT_') || code === 'ERR_TLS_CERT_ALTNAME_INVALID');
}

export function describeCertificate(c: Pick<PeerCertificate, 'subject' | 'valid_from' | 'valid_to'> | null | undefined): string {
  if (!c?.subject) return '';
  const cn = c.subject.CN
    ? `CN=${String(c.subject.CN)}`
    : Object.entries(c.subject)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ');
  return ` (certificate ${cn}, valid ${c.valid_from} to ${c.valid_to})`;
}

/**
 * The failure in words, or null when it is neither the proxy's nor the certificate's (the caller says it as before).
 * `proxy`: host and port of the proxy this request went through, if any.
 */
export function wordFailure(
  err: Error & { code?: string; statusCode?: number; address?: string; hostname?: string; port?: number; host?: string; cert?: PeerCertificate },
  p: { proxy: URL | null; host: string; cert?: PeerCertificate | null },
): TransportFailure | null {
  const code = err.code ?? '';
  const proxy = p.proxy ? `${p.proxy.hostname}:${p.proxy.port || '80'}` : '';
  if (code === 'ERR_PROXY_TUNNEL') {
    const s = err.statusCode;
    if (s === 407)
      return new TransportFailure(
        `the proxy ${proxy} wants a user name and password (HTTP 407): none were given in network.proxy, or it did not take them`,
        'PROXY_AUTH_REQUIRED',
        { cause: err },
      );
    if (s === 401 || s === 403)
      return new TransportFailure(`the proxy ${proxy} refused the user name and password (HTTP ${String(s)})`, 'PROXY_AUTH_REFUSED', { cause: err });
    if (s)
      return new TransportFailure(
        `the proxy ${proxy} answered with its own error page (HTTP ${String(s)}): it could not reach the province at ${p.host}`,
        'PROXY_ERROR',
        { cause: err },
      );
    return new TransportFailure(`the proxy ${proxy} failed: ${err.message}`, 'PROXY_ERROR', { cause: err });
  }
  if (p.proxy && CONNECT_FAILURES.has(code)) {
    const at = err.hostname ?? err.address;
    const port = err.port === undefined ? undefined : String(err.port);
    const proxyPort = p.proxy.port || '80';
    if ((at === bareHost(p.proxy.hostname) || at === undefined) && (port === undefined || port === proxyPort)) {
      return new TransportFailure(`the proxy ${proxy} cannot be reached (${code})`, 'PROXY_UNREACHABLE', { cause: err });
    }
  }
  const cert = describeCertificate(p.cert ?? err.cert);
  if (UNKNOWN_CA.has(code)) {
    return new TransportFailure(
      `unknown CA: ${p.host}'s certificate is not signed by a CA this terminal trusts (${code})${cert}; add the CA to province.tls.caCertificates or the OS trust store`,
      'TLS_UNKNOWN_CA',
      { cause: err },
    );
  }
  if (code === 'CERT_HAS_EXPIRED')
    return new TransportFailure(`expired certificate: ${p.host}'s certificate has expired${cert}`, 'TLS_EXPIRED', { cause: err });
  if (code === 'CERT_NOT_YET_VALID')
    return new TransportFailure(
      `certificate not yet valid: ${p.host}'s certificate is not valid yet (check the terminal's clock)${cert}`,
      'TLS_NOT_YET_VALID',
      { cause: err },
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = err.cert?.subjectaltname ?? p.cert?.subjectaltname;
    return new TransportFailure(`wrong host name: the certificate does not name ${p.host}${names ? ` (it names ${names})` : ''}${cert}`, 'TLS_WRONG_HOST', {
      cause: err,
    });
  }
  if (isCertificateError(code)) return new TransportFailure(`the province's certificate was refused (${code})${cert}`, 'TLS_FAILED', { cause: err });
  return null;
}
