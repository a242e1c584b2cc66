import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCst } from '../../main/bridge/formats.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { JsonProvinceAdapter, MAX_REPLY_BYTES } from '../../sync/province/json-adapter.js';
import { Uploader } from '../../sync/uploader.js';
import type { Timers } from '../../sync/timers.js';
import { openDatabase } from '../../main/store/database.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';

const YEAR_MS = 365 * 86_400_000;
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** A province on loopback whose every answer the test decides. */
async function province(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; requests: number; server: Server }> {
  const state = { url: '', requests: 0, server: null as unknown as Server };
  state.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      state.requests += 1;
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${String((state.server.address() as AddressInfo).port)}`;
  stops.push(() => new Promise((r) => state.server.close(r)));
  return state;
}

const credentials = { appKey: 'k', appSecret: 'secret-123456', terminalId: 'T-1', signAlg: 'HMAC-SM3' as const };

function acceptAll(res: ServerResponse, body: string): void {
  const { records } = JSON.parse(body) as { records: { evalId: string }[] };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ results: records.map((r) => ({ evalId: r.evalId, status: 'accepted' })) }));
}

/** Timers the test fires by hand: the uploader's waits are recorded, and nothing waits for real. */
class HandTimers implements Timers {
  waits: number[] = [];
  private pending: { fn: () => void; ms: number; live: boolean }[] = [];
  set(fn: () => void, ms: number) {
    const t = { fn, ms, live: true };
    this.waits.push(ms);
    this.pending.push(t);
    return t;
  }
  clear(handle: unknown) {
    (handle as { live: boolean }).live = false;
  }
  fireAll() {
    const due = this.pending.filter((p) => p.live);
    this.pending = [];
    for (const p of due) p.fn();
  }
}

function queue(n: number) {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < n; i++) outbox.append(newRecord(), { held: false });
  })();
  stops.push(() => {
    db.close();
    dir.cleanup();
  });
  return outbox;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a province reply cannot move the clock', () => {
  it('ignores the Date of a 500 a year ahead: records made meanwhile keep the right assessTime', async () => {
    const p = await province((_req, res) => {
      res.writeHead(500, { date: new Date(Date.now() + YEAR_MS).toUTCString(), 'content-type': 'text/html' });
      res.end('<h1>Internal Server Error</h1>');
    });
    const clock = new ClockOffset();
    const adapter = new JsonProvinceAdapter({ baseUrl: p.url, credentials, clock, timeoutMs: 2000 });
    expect((await adapter.uploadBatch('b1', [{ ...newRecord(), seq: 1, chainHash: 'x'.repeat(64) }])).kind).toBe('transient');
    expect(await adapter.beat({})).toMatchObject({ kind: 'transient' });
    expect(clock.known()).toBe(false);
    // The record's time is the terminal's clock, as it was.
    expect(formatCst(clock.now())).toBe(formatCst(Date.now()));
  });

  it('believes a jump of more than a day only when two replies agree, and a CLOCK_SKEW serverTime', async () => {
    let serverTime = Date.now() + YEAR_MS;
    const p = await province((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ serverTime, configVersion: 'v1' }));
    });
    const clock = new ClockOffset();
    const adapter = new JsonProvinceAdapter({ baseUrl: p.url, credentials, clock, timeoutMs: 2000 });
    await adapter.beat({});
    expect(clock.known()).toBe(false);
    serverTime = Date.now() + 30_000;
    await adapter.beat({});
    expect(Math.abs((clock.value ?? 0) - 30_000)).toBeLessThan(2_000);
    serverTime = Date.now() + YEAR_MS;
    await adapter.beat({});
    await adapter.beat({});
    expect(Math.abs((clock.value ?? 0) - YEAR_MS)).toBeLessThan(2_000);
  });
});

describe('Retry-After cannot make the uploader spin or stall', () => {
  it.each(['99999999999', 'Infinity', '-1', 'soon'])(
    'with "Retry-After: %s" it waits at least a second between requests, and resumes after the province recovers',
    async (header) => {
      let limited = true;
      const p = await province((_req, res, body) => {
        if (!limited) return acceptAll(res, body);
        res.writeHead(429, { 'retry-after': header, 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'RATE_LIMITED', message: 'slow down' }));
      });
      const outbox = queue(5);
      const timers = new HandTimers();
      const uploader = new Uploader({
        adapter: new JsonProvinceAdapter({ baseUrl: p.url, credentials, clock: new ClockOffset(), timeoutMs: 2000 }),
        outbox,
        log: silentLog,
        timers,
      });
      uploader.start();
      stops.push(() => uploader.stop());
      for (let round = 1; round <= 6; round++) {
        await until(() => p.requests === round && timers.waits.length === round);
        timers.fireAll();
      }
      // Every wait after a 429 was a second or more (no more than one request a second), and none longer than the cap.
      expect(timers.waits.every((ms) => ms >= 1000 && ms <= 300_000)).toBe(true);
      if (header === '99999999999') expect(timers.waits.every((ms) => ms === 300_000)).toBe(true);
      limited = false;
      await until(() => timers.waits.length === 7);
      timers.fireAll();
      await until(() => outbox.counts().pending === 0);
      expect(outbox.list().every((e) => e.state === 'accepted')).toBe(true);
    },
  );
});

describe('a province reply cannot fill the memory', () => {
  it('cuts a 100 MB reply off at the limit and treats it as garbage', async () => {
    let sent = 0;
    const p = await province((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const write = () => {
        while (sent < 100 && res.write(chunk)) sent += 1;
        if (sent < 100) res.once('drain', write);
        else res.end();
      };
      res.on('error', () => undefined);
      write();
    });
    const adapter = new JsonProvinceAdapter({ baseUrl: p.url, credentials, clock: new ClockOffset(), timeoutMs: 10_000 });
    const before = process.memoryUsage().rss;
    const outcome = await adapter.beat({});
    expect(outcome).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/larger than/) });
    // The connection was dropped long before the province finished writing.
    expect(sent).toBeLessThan(100);
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
    expect(MAX_REPLY_BYTES).toBeLessThanOrEqual(1024 * 1024);
  });
});
