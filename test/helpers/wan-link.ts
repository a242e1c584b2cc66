import { createServer, connect, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../../main/core/clock.js';
import { seeded } from '../../sync/province-sim/seeded.js';

/**
 * A wide-area link in user space (this kernel has no netem): a TCP relay on the loopback that delivers every chunk
 * `delayMs` later in each direction, in order, and holds back a seeded `holdRate` of chunks `holdMs` more, as a
 * lost segment's retransmission would (TCP keeps order, so everything behind a held chunk waits for it too).
 * The defaults are a hall's link to its province: 50 ms round trip, 1 % loss.
 */
export interface WanLinkOptions {
  /** Where the province listens (loopback only). */
  targetPort: number;
  /** One-way delay, ms. Default 25. */
  delayMs?: number;
  /** Extra delay of a held chunk, ms. Default 200. */
  holdMs?: number;
  /** Share of chunks held, 0..1. Default 0.01. */
  holdRate?: number;
  /** The draws of held chunks start from this seed. Default 1. */
  seed?: number;
  /** Time and timers: a test's fake clock, or the machine's. */
  clock?: Pick<Clock, 'now' | 'after'>;
}

export interface WanLink {
  /** The port to send to instead of the target's. */
  port: number;
  /** `url` with its port replaced by the link's: the same province, reached across the link. */
  via(url: string): string;
  /** TCP connections made through the link so far (keep-alive shows as few). */
  readonly connections: number;
  /** Chunks relayed so far, both directions, numbered in the order they reached the link. */
  readonly chunks: number;
  /** The numbers of the chunks that were held back. */
  readonly held: readonly number[];
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export async function startWanLink(o: WanLinkOptions): Promise<WanLink> {
  const delayMs = o.delayMs ?? 25;
  const holdMs = o.holdMs ?? 200;
  const holdRate = o.holdRate ?? 0.01;
  const random = seeded(o.seed ?? 1);
  const clock = o.clock ?? systemClock;
  const sockets = new Set<Socket>();
  const held: number[] = [];
  let connections = 0;
  let chunks = 0;

  /** One direction of one connection: chunks leave in the order they came, none before its time. */
  const direction = (from: Socket, to: Socket) => {
    const queue: { at: number; data: Buffer | null }[] = [];
    let last = 0;
    let timer: (() => void) | null = null;
    const pump = () => {
      timer = null;
      while (queue.length > 0 && (queue[0]?.at ?? 0) <= clock.now()) {
        const c = queue.shift();
        if (!c || to.destroyed) continue;
        if (c.data === null) to.end();
        else to.write(c.data);
      }
      const head = queue[0];
      if (head) timer = clock.after(Math.max(0, head.at - clock.now()), pump);
    };
    const push = (data: Buffer | null) => {
      let extra = 0;
      if (data !== null) {
        const n = chunks++;
        if (random() < holdRate) {
          held.push(n);
          extra = holdMs;
        }
      }
      last = Math.max(last, clock.now() + delayMs + extra);
      queue.push({ at: last, data });
      if (!timer) timer = clock.after(Math.max(0, last - clock.now()), pump);
    };
    from.on('data', (d: Buffer) => push(d));
    from.on('end', () => push(null));
    return () => {
      timer?.();
      timer = null;
    };
  };

  const server: Server = createServer({ allowHalfOpen: true }, (inbound) => {
    connections++;
    const outbound = connect({ host: LOOPBACK, port: o.targetPort, allowHalfOpen: true });
    sockets.add(inbound).add(outbound);
    const stops = [direction(inbound, outbound), direction(outbound, inbound)];
    // A reset on either side resets the other at once: a dead province is not delayed news.
    const down = () => {
      for (const s of stops) s();
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', down).on('close', () => (outbound.writableEnded ? down() : undefined));
    outbound.on('error', down).on('close', () => (inbound.writableEnded ? down() : undefined));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    via(url: string) {
      const u = new URL(url);
      if (u.hostname !== LOOPBACK) throw new Error(`the WAN link relays to the loopback only, not ${u.hostname}`);
      u.port = String(port);
      return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
    },
    get connections() {
      return connections;
    },
    get chunks() {
      return chunks;
    },
    held,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
