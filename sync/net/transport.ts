import http from 'node:http';
import { isIP, type Socket } from 'node:net';
import https from 'node:https';
import { Readable } from 'node:stream';
import tls, { TLSSocket, type PeerCertificate } from 'node:tls';
import { bareHost } from './bare-host.js';
import { isCertificateError, TransportFailure, wordFailure } from './failure-words.js';

/**
 * How the terminal reaches its province, its page and update downloads (terminal-cli.md v1.3): through a proxy
 * (provisioned, else the service's `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`), trusting the OS store, Node's own CAs
 * and the provisioned `province.tls.caCertificates`. Verification is never turned off.
 *
 * Built on node:http(s) agents (Node 24's `proxyEnv`), not the global fetch: the undici package, whose `ProxyAgent`
 * the global fetch would need, is not one of the project's dependencies.
 */
export interface NetworkSettings {
  /** `http://[user:pass@]host:port`, the password opened from its seal. */
  proxy?: string | undefined;
  /** Hosts that bypass the proxy, as `NO_PROXY` lists them. */
  noProxy?: readonly string[] | undefined;
  /** PEM certificates trusted in addition to the OS store. */
  caCertificates?: readonly string[] | undefined;
}

export interface Transport {
  fetch: typeof fetch;
  /** The agent a request to `url` goes through (for a raw handshake that reads the certificate, diagnostics.ts). */
  agentFor(url: URL): http.Agent;
  /** The proxy in effect, password hidden; null: direct. */
  proxyShown: string | null;
}

type ProxyEnv = Record<'HTTP_PROXY' | 'HTTPS_PROXY' | 'NO_PROXY', string | undefined>;

/** The proxy settings in force: provisioning's, else the environment's (either case, as curl reads them). */
export function proxyEnvFor(s: NetworkSettings, env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  if (s.proxy) return { HTTP_PROXY: s.proxy, HTTPS_PROXY: s.proxy, NO_PROXY: (s.noProxy ?? []).join(',') || undefined };
  const pick = (k: string) => env[k] ?? env[k.toLowerCase()] ?? undefined;
  return { HTTP_PROXY: pick('HTTP_PROXY'), HTTPS_PROXY: pick('HTTPS_PROXY') ?? pick('HTTP_PROXY'), NO_PROXY: pick('NO_PROXY') };
}

/** A proxy URL with its password replaced by `***`: what a log, the status or the screen may show. */
export function redactProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

/** The CAs a province certificate may chain to: Node's bundled ones, the OS store the hall's IT manages, and provisioning's. */
export function trustedCas(extra: readonly string[] = []): string[] {
  return [...new Set([...tls.getCACertificates('bundled'), ...tls.getCACertificates('system'), ...extra])];
}

export function createTransport(s: NetworkSettings = {}, env: NodeJS.ProcessEnv = process.env): Transport {
  const proxyEnv = proxyEnvFor(s, env);
  const ca = trustedCas(s.caCertificates);
  const httpAgent = new http.Agent({ keepAlive: true, proxyEnv });
  // One secure context for every connection: given as `ca`, the ~600 PEMs would be parsed again for each.
  const httpsAgent = new https.Agent({ keepAlive: true, proxyEnv, secureContext: tls.createSecureContext({ ca }) });
  const agentFor = (url: URL) => (url.protocol === 'https:' ? httpsAgent : httpAgent);
  const shown = proxyEnv.HTTPS_PROXY ?? proxyEnv.HTTP_PROXY;
  const proxyUrl = (url: URL): URL | null => {
    const p = url.protocol === 'https:' ? proxyEnv.HTTPS_PROXY : proxyEnv.HTTP_PROXY;
    try {
      return p ? new URL(p) : null;
    } catch {
      return null;
    }
  };
  const worded = async (err: unknown, url: URL): Promise<unknown> => {
    if (!(err instanceof Error)) return err;
    const code = (err as { code?: string }).code;
    const cert = isCertificateError(code) && url.protocol === 'https:' ? await peerCertificate(httpsAgent, url).catch(() => null) : null;
    return wordFailure(err, { proxy: proxyUrl(url), host: url.hostname, cert }) ?? err;
  };
  // Plain http:// goes to the proxy as an ordinary request, so its refusal arrives as a reply, not a tunnel error.
  const proxied: typeof fetch = async (input, init) => {
    const res = await agentFetch(agentFor, worded)(input, init);
    const url = new URL(input instanceof Request ? input.url : input);
    const proxy = proxyUrl(url);
    if (res.status === 407 && url.protocol === 'http:' && proxy) {
      await res.body?.cancel();
      throw wordFailure(Object.assign(new Error('407'), { code: 'ERR_PROXY_TUNNEL', statusCode: 407 }), { proxy, host: url.hostname }) ?? new Error('407');
    }
    return res;
  };
  // A Node without `proxyEnv` (before 24.5) would silently go direct: say so instead of bypassing the hall's proxy.
  const unsupported: typeof fetch = () =>
    Promise.reject(new TransportFailure(`this runtime (Node ${process.versions.node}) cannot use a proxy: it needs Node 24.5 or later`, 'PROXY_UNSUPPORTED'));
  return { fetch: shown && !nodeHasProxyAgents() ? unsupported : proxied, agentFor, proxyShown: shown ? redactProxy(shown) : null };
}

/** Whether node:http(s) agents take `proxyEnv` (Node 24.5). */
export function nodeHasProxyAgents(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 24 || (major === 24 && minor >= 5);
}

/**
 * The certificate a server presents, read by a handshake that sends nothing and is closed at once: only to name a
 * certificate the real request refused (its subject and dates). Nothing is ever sent over an unverified connection.
 */
export function peerCertificate(agent: https.Agent, url: URL, timeoutMs = 5_000): Promise<PeerCertificate | null> {
  return new Promise((resolve) => {
    const host = bareHost(url.hostname);
    const opts = { host, port: Number(url.port || 443), servername: isIP(host) ? undefined : host, rejectUnauthorized: false, _agentKey: undefined };
    let socket: TLSSocket | undefined;
    const done = (c: PeerCertificate | null) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(c);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    const onSocket = (s: Socket) => {
      // Through a proxy the proxy's own plain socket comes back first; the tunnel's comes to the callback, its
      // handshake already done.
      if (!(s instanceof TLSSocket) || s === socket) return;
      socket = s;
      // Before its handshake a socket's certificate is an empty object, whatever the type says.
      const already = s.getPeerCertificate();
      if ('subject' in already) return done(already);
      s.once('secureConnect', () => {
        const c = s.getPeerCertificate();
        done('subject' in c ? c : null);
      });
      s.once('error', () => done(null));
    };
    const create = agent.createConnection.bind(agent) as (o: object, cb: (err: Error | null, s?: Socket) => void) => Socket | undefined;
    const s = create(opts, (err, s2) => {
      if (err || !s2) done(null);
      else onSocket(s2);
    });
    if (s) onSocket(s);
  });
}

const NULL_BODY = new Set([101, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** The part of `fetch` the adapters and the downloader use, over node:http(s) with the given agents. */
function agentFetch(agentFor: (url: URL) => http.Agent, worded: (err: unknown, url: URL) => Promise<unknown>): typeof fetch {
  const one = async (input: string | URL | Request, init: RequestInit = {}, hops = 0): Promise<Response> => {
    if (input instanceof Request) throw new TypeError('transport fetch takes a URL, not a Request');
    const url = new URL(input);
    let res: Response;
    try {
      res = await request(url, init, agentFor(url));
    } catch (err) {
      throw await worded(err, url);
    }
    const location = res.headers.get('location');
    const method = (init.method ?? 'GET').toUpperCase();
    if (REDIRECT.has(res.status) && location && init.redirect !== 'manual' && (method === 'GET' || method === 'HEAD')) {
      await res.body?.cancel();
      if (hops >= MAX_REDIRECTS) throw new TypeError(`more than ${String(MAX_REDIRECTS)} redirects`);
      return one(new URL(location, url), init, hops + 1);
    }
    return res;
  };
  return (input, init) => one(input, init);
}

function bodyOf(body: RequestInit['body']): { data: Buffer | null; type: string | null } {
  if (body === undefined || body === null) return { data: null, type: null };
  if (typeof body === 'string') return { data: Buffer.from(body, 'utf8'), type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) return { data: Buffer.from(body.toString(), 'utf8'), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { data: Buffer.from(body), type: null };
  if (ArrayBuffer.isView(body)) return { data: Buffer.from(body.buffer, body.byteOffset, body.byteLength), type: null };
  throw new TypeError('transport fetch takes a string, URLSearchParams or bytes as the body');
}

function request(url: URL, init: RequestInit, agent: http.Agent): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(reason(signal));
  const headers = new Headers(init.headers);
  const { data, type } = bodyOf(init.body);
  if (type && !headers.has('content-type')) headers.set('content-type', type);
  if (data) headers.set('content-length', String(data.byteLength));
  const method = (init.method ?? 'GET').toUpperCase();
  const outgoing: Record<string, string> = {};
  headers.forEach((v, k) => (outgoing[k] = v));
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, agent, headers: outgoing }, (res) => {
      const status = res.statusCode ?? 0;
      const h = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) h.append(res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '');
      signal?.addEventListener('abort', () => res.destroy(reason(signal)), { once: true });
      if (NULL_BODY.has(status) || method === 'HEAD') {
        res.resume();
        resolve(new Response(null, { status, statusText: res.statusMessage ?? '', headers: h }));
        return;
      }
      const body = Readable.toWeb(res) as ReadableStream<Uint8Array>;
      resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers: h }));
    });
    const onAbort = () => {
      const r = reason(signal);
      req.destroy(r);
      reject(r);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    req.end(data ?? undefined);
  });
}

function reason(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r : new DOMException('aborted', 'AbortError');
}
