import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface TlsFront {
  port: number;
  url: string;
  /** TLS handshakes completed so far, and how many of them resumed an earlier session (keep-alive shows as few). */
  readonly handshakes: { full: number; resumed: number };
  close(): Promise<void>;
}

/** HTTPS in front of a plain-HTTP simulator on the loopback: TLS ends here, bytes go on to `targetPort`. */
export async function startTlsFront(o: { targetPort: number; cert: string; key: string; host?: string }): Promise<TlsFront> {
  const open = new Set<Socket | TLSSocket>();
  const handshakes = { full: 0, resumed: 0 };
  const server = createServer({ cert: o.cert, key: o.key }, (client) => {
    if (client.isSessionReused()) handshakes.resumed++;
    else handshakes.full++;
    const upstream = connect(o.targetPort, '127.0.0.1');
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://${o.host ?? '127.0.0.1'}:${String(port)}`,
    handshakes,
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
