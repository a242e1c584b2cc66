import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { seeded } from '../../sync/province-sim/seeded.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startWanLink } from '../helpers/wan-link.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function until(f: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!f()) {
    if (Date.now() - start > 10_000) throw new Error(`${what} not met`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A loopback server that keeps what it receives and, when `echo`, sends it back. */
async function sink(echo: boolean) {
  const got: string[] = [];
  const server: Server = createServer((s) => {
    s.on('data', (d: Buffer) => {
      got.push(d.toString());
      if (echo) s.write(d);
    });
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  stops.push(() => new Promise((r) => server.close(r)));
  return { port: typeof address === 'object' && address ? address.port : 0, got, text: () => got.join('') };
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  await new Promise((r) => s.once('connect', r));
  stops.push(() => s.destroy());
  return s;
}

describe('WAN link emulator', () => {
  it('delivers each chunk 25 ms later, and holds the seeded 1 % of chunks 200 ms more, at the chunk numbers the seed names', async () => {
    const clock = new FakeClock();
    const target = await sink(false);
    const link = await startWanLink({ targetPort: target.port, clock, seed: 7 });
    stops.push(() => link.close());
    const client = await dial(link.port);
    const draw = seeded(7);
    const expected = Array.from({ length: 400 }, (_, i) => i).filter(() => draw() < 0.01);
    expect(expected.length).toBeGreaterThan(0);
    for (let i = 0; i < 400; i++) {
      // One chunk at a time, so each write is one chunk at the link whatever the kernel coalesces.
      client.write(`c${String(i)};`);
      await until(() => link.chunks === i + 1, `chunk ${String(i)} at the link`);
      clock.advance(24);
      expect(clock.scheduled).toBe(1);
      clock.advance(1);
      if (expected.includes(i)) {
        expect(clock.scheduled, `chunk ${String(i)} held`).toBe(1);
        clock.advance(199);
        expect(clock.scheduled).toBe(1);
        clock.advance(1);
      }
      expect(clock.scheduled).toBe(0);
      await until(() => target.got.length === i + 1, `chunk ${String(i)} delivered`);
      expect(target.got[i]).toBe(`c${String(i)};`);
    }
    expect(link.held).toEqual(expected);
    expect(link.connections).toBe(1);
  });

  it('keeps the order of every byte both ways, held chunks and all, over real timers', async () => {
    const target = await sink(true);
    const link = await startWanLink({ targetPort: target.port, delayMs: 1, holdMs: 15, holdRate: 0.2, seed: 3 });
    stops.push(() => link.close());
    const client = await dial(link.port);
    let back = '';
    client.on('data', (d: Buffer) => (back += d.toString()));
    let sent = '';
    for (let i = 0; i < 300; i++) {
      const part = `<${String(i)}>`;
      sent += part;
      client.write(part);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => back.length === sent.length, 'everything echoed');
    expect(target.text()).toBe(sent);
    expect(back).toBe(sent);
    expect(link.held.length).toBeGreaterThan(0);
  });

  it('passes a half-close through after the data before it, and relays to the loopback only', async () => {
    const target = await sink(true);
    const link = await startWanLink({ targetPort: target.port, delayMs: 1 });
    stops.push(() => link.close());
    const client = await dial(link.port);
    let back = '';
    client.on('data', (d: Buffer) => (back += d.toString()));
    const ended = new Promise((r) => client.once('end', r));
    client.end('last words');
    await ended;
    expect(back).toBe('last words');
    expect(link.via(`http://127.0.0.1:${String(target.port)}/pubservice`)).toBe(`http://127.0.0.1:${String(link.port)}/pubservice`);
    expect(() => link.via('http://192.0.2.1:80/')).toThrow(/loopback only/);
  });
});
