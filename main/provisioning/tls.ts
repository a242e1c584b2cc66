import { createPrivateKey, X509Certificate } from 'node:crypto';
import { bareHost } from '../../sync/net/bare-host.js';

/** A certificate and its private key, PEM, for the local API on the hall LAN. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** Whether a host name or address is this machine's own loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = bareHost(host).toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why a PEM certificate or key cannot be used, in words for the technician; null when it can. */
export function checkCertificate(pem: string): string | null {
  try {
    const c = new X509Certificate(pem);
    if (Date.parse(c.validTo) < Date.now()) return `the certificate expired on ${c.validTo}`;
    return null;
  } catch {
    return 'not a PEM X.509 certificate';
  }
}

export function checkPrivateKey(pem: string): string | null {
  try {
    createPrivateKey(pem);
    return null;
  } catch {
    return 'not a PEM private key';
  }
}
