import { createHash, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { NetworkSettings } from '../../sync/net/transport.js';
import { checkCertificate } from './tls.js';

/** `network.proxy`: `http://[user:pass@]host:port` and nothing else (no path, no query). */
const proxyUrl = z.string().superRefine((v, ctx) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'a proxy URL: http://[user:pass@]host:port' });
    return;
  }
  if (u.protocol !== 'http:' || !u.hostname || !/:\d+\/?$/.test(v.replace(/[?#].*$/, '')) || u.pathname !== '/' || u.search || u.hash) {
    ctx.addIssue({ code: 'custom', message: 'a proxy URL: http://[user:pass@]host:port' });
  }
});

/** A host in `network.noProxy`, as `NO_PROXY` takes it: a name, `.domain` / `*.domain`, an address, optionally `:port`. */
const noProxyHost = z
  .string()
  .regex(/^(\*|[*.]?[A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+)(:\d{1,5})?$/, 'a host name, ".domain", an address, optionally ":port"');

export const networkFileSchema = z.strictObject({
  proxy: proxyUrl.optional(),
  noProxy: z.array(noProxyHost).max(64).default([]),
});
export type NetworkFile = z.infer<typeof networkFileSchema>;

/** The proxy's password is sealed like `appSecret`; the URL is kept without it. */
export const networkStoredSchema = z.strictObject({
  proxy: z.string().optional(),
  proxyPasswordSealed: z.string().optional(),
  noProxy: z.array(z.string()).default([]),
});
export type NetworkStored = z.infer<typeof networkStoredSchema>;

/** `province.tls.caCertificates`: PEM certificates, one a string, trusted for the province (and its page) besides the OS store. */
export const provinceTlsSchema = z.strictObject({
  caCertificates: z
    .array(
      z.string().superRefine((v, ctx) => {
        const why = checkCertificate(v);
        if (why) ctx.addIssue({ code: 'custom', message: why });
      }),
    )
    .max(16)
    .default([]),
});

export async function sealNetwork(n: NetworkFile, seal: (plain: string) => Promise<string>): Promise<NetworkStored> {
  if (!n.proxy) return { noProxy: n.noProxy };
  const u = new URL(n.proxy);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { proxy: withoutSlash(u), ...(password ? { proxyPasswordSealed: await seal(password) } : {}), noProxy: n.noProxy };
}

/** The provisioned network with its password opened: what the transport is made from. */
export async function openNetwork(n: NetworkStored | undefined, open: (sealed: string) => Promise<string>): Promise<NetworkFile | undefined> {
  if (!n) return undefined;
  if (!n.proxy) return { noProxy: n.noProxy };
  const u = new URL(n.proxy);
  if (n.proxyPasswordSealed) u.password = encodeURIComponent(await open(n.proxyPasswordSealed));
  return { proxy: withoutSlash(u), noProxy: n.noProxy };
}

export function networkSettings(n: NetworkFile | undefined, tls: { caCertificates: string[] } | undefined): NetworkSettings {
  return { proxy: n?.proxy, noProxy: n?.noProxy, caCertificates: tls?.caCertificates };
}

function withoutSlash(u: URL): string {
  return u.toString().replace(/\/$/, '');
}

/** A trusted CA as the technician screen shows it: whom it names, until when, and its SHA-256 fingerprint. */
export interface CaShown {
  subject: string;
  validTo: string;
  sha256: string;
}

export function showCa(pem: string): CaShown {
  try {
    const c = new X509Certificate(pem);
    return { subject: c.subject.replace(/\n/g, ', '), validTo: c.validTo, sha256: c.fingerprint256 };
  } catch {
    return { subject: '(not a certificate)', validTo: '', sha256: createHash('sha256').update(pem).digest('hex') };
  }
}
