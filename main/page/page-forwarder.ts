import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { bareHost } from '../../sync/net/bare-host.js';
import type { PageProxy } from './page-network.js';

export interface PageForwarder {
  port: number;
  close(): Promise<void>;
}

/** The head of the hall proxy's answer to a CONNECT: more is not an answer a proxy gives. */
const MAX_HEAD = 16 * 1024;
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * The headless kiosk's way through a hall proxy that wants a password (docs/security.md, "The page's forwarder"): a
 * password cannot be put on Chromium's command line, and a proxy's 407 would put Chromium's login dialog in front of
 * the citizen. Listens on 127.0.0.1 alone and takes `CONNECT` only, to the page's own origins only; each tunnel is
 * asked of the hall's proxy with its `Proxy-Authorization`. Everything else is answered 403; a refusal by the hall's
 * proxy (its 407 included) reaches Chromium as 502, so no dialog ever shows.
 */
export async function startPageForwarder(o: {
  upstream: PageProxy;
  origins: readonly string[];
  /** The port a forwarder of this boot had (a restarted terminal keeps the kiosk's browser working); else any. */
  port?: number | undefined;
  log: { warn(obj: object, msg: string): void };
}): Promise<PageForwarder> {
  const allowed = new Set(o.origins.flatMap(targetOf));
  const auth = o.upstream.user ? `Proxy-Authorization: Basic ${Buffer.from(`${o.upstream.user}:${o.upstream.pass}`).toString('base64')}\r\n` : '';
  const open = new Set<Socket>();
  const refusedOnce = new Set<string>();
  const server = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('only CONNECT to the province page’s origins\n');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const target = (req.url ?? '').toLowerCase();
    if (!allowed.has(target)) {
      if (!refusedOnce.has(target) && refusedOnce.size < 100) {
        refusedOnce.add(target);
        o.log.warn({ target: target.slice(0, 200) }, 'the page forwarder refused a tunnel outside the page’s origins');
      }
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    tunnel(target, client, head);
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  function tunnel(target: string, client: Socket, head: Buffer): void {
    const up = connect(o.upstream.port, bareHost(o.upstream.host));
    open.add(up);
    up.on('close', () => {
      open.delete(up);
      client.destroy();
    });
    client.on('close', () => up.destroy());
    const fail = () => {
      if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      up.destroy();
    };
    up.setTimeout(CONNECT_TIMEOUT_MS, fail);
    up.on('error', fail);
    up.once('connect', () => up.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`));
    let answer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (answer.length > MAX_HEAD) fail();
        return;
      }
      up.off('data', onData);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.subarray(0, end).toString('latin1'))?.[1];
      if (!status?.startsWith('2')) {
        o.log.warn({ target, status: status ?? 'none' }, 'the hall’s proxy refused the page forwarder’s tunnel');
        fail();
        return;
      }
      up.setTimeout(0);
      up.off('error', fail);
      up.on('error', () => client.destroy());
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const rest = answer.subarray(end + 4);
      if (rest.length > 0) client.write(rest);
      if (head.length > 0) up.write(head);
      client.pipe(up);
      up.pipe(client);
    };
    up.on('data', onData);
  }

  const port = await listen(server, o.port).catch(() => listen(server, 0));
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function listen(server: ReturnType<typeof createServer>, port: number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The `host:port` a browser CONNECTs to for an origin (https:, and ws over http:), lower case. */
function targetOf(origin: string): string[] {
  try {
    const u = new URL(origin);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return port ? [`${u.hostname.toLowerCase()}:${port}`] : [];
  } catch {
    return [];
  }
}
