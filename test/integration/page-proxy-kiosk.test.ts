import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKioskNetwork } from '../../main/host/kiosk-network.js';
import { startPageForwarder } from '../../main/page/page-forwarder.js';
import { parsePageProxy } from '../../main/page/page-network.js';
import { provisioningFile, tempDir } from '../helpers/fixtures.js';
import { recordingBrowser } from '../helpers/kiosk-user.js';
import { runCommand, startTerminal, type RunningTerminal } from '../helpers/process.js';
import { CERTUTIL } from '../../main/host/kiosk-trust.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { until } from '../helpers/until.js';

// The headless kiosk's Chromium behind a hall proxy that wants a password: the terminal's loopback forwarder tunnels
// to the page's origins alone, through Debian's real tinyproxy with basic auth; Chromium is only told the forwarder.

const CHROMIUM = '/usr/bin/chromium';
const AUTH = { user: 'hall', pass: 'Zx-page-pw-4471' };
const env = { HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '', NO_PROXY: '', no_proxy: '' };
const quiet = { warn: () => undefined };
const closers: (() => Promise<unknown>)[] = [];
let ca: TestCa;
let page: Server;
/** The province's page, on a loopback address that is not the terminal's own (a page origin may not be). */
let pageOrigin: string;
let other: Server;
let proxy: Tinyproxy;

function listen(s: Server, host: string): Promise<number> {
  return new Promise((resolve) => s.listen(0, host, () => resolve((s.address() as AddressInfo).port)));
}

beforeAll(async () => {
  ca = makeTestCa('Hall IT CA');
  const leaf = ca.issue({ cn: '127.0.0.2', san: 'IP:127.0.0.2,IP:127.0.0.1' });
  page = createServer(leaf, (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<p>评价页</p>'));
  pageOrigin = `https://127.0.0.2:${String(await listen(page, '127.0.0.2'))}`;
  closers.push(() => new Promise((r) => page.close(r)));
  other = createServer(leaf, (_req, res) => res.end('not the page'));
  await listen(other, '127.0.0.1');
  closers.push(() => new Promise((r) => other.close(r)));
  proxy = await startTinyproxy(AUTH);
  closers.push(() => proxy.stop());
});

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

/** Chromium's side of a proxy: CONNECT, then (on 200) TLS to the target and a GET of its front page. */
function through(port: number, target: string): Promise<{ status: number; body: string | null }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'CONNECT', path: target });
    req.on('error', reject);
    req.on('connect', (res, socket: Socket) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        socket.destroy();
        return resolve({ status, body: null });
      }
      const host = target.slice(0, target.lastIndexOf(':'));
      const s = tlsConnect({ socket, ca: ca.ca.cert, host }, () => s.write(`GET / HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`));
      let body = '';
      s.on('data', (d: Buffer) => (body += d.toString()));
      s.on('end', () => resolve({ status, body }));
      s.on('error', reject);
    });
    req.end();
  });
}

/** Chromium's `--dump-dom`: the page's DOM once loaded, from a browser that is not this process (it serves the page). */
function dumpDom(args: string[], extraEnv: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

function plainGet(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `${pageOrigin}/`, headers: { host: '127.0.0.2' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the page forwarder for the headless kiosk’s browser', () => {
  it('tunnels to the page’s origin through the hall’s proxy with its password, and refuses everything else with 403', async () => {
    const upstream = parsePageProxy(proxy.url(AUTH));
    if (!upstream) throw new Error('no proxy');
    const fwd = await startPageForwarder({ upstream, origins: [pageOrigin], log: quiet });
    try {
      const ok = await through(fwd.port, new URL(pageOrigin).host);
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('评价页');
      expect(proxy.log()).toContain(new URL(pageOrigin).host);
      const otherTarget = `127.0.0.1:${String((other.address() as AddressInfo).port)}`;
      expect(await through(fwd.port, otherTarget)).toEqual({ status: 403, body: null });
      expect(proxy.log()).not.toContain(otherTarget);
      expect(await plainGet(fwd.port)).toBe(403);
    } finally {
      await fwd.close();
    }
  });

  it('answers a password the hall’s proxy refuses with 502, never with a 407 that would put a login dialog before a citizen', async () => {
    const upstream = parsePageProxy(proxy.url({ user: AUTH.user, pass: 'wrong' }));
    if (!upstream) throw new Error('no proxy');
    const fwd = await startPageForwarder({ upstream, origins: [pageOrigin], log: quiet });
    try {
      expect(await through(fwd.port, new URL(pageOrigin).host)).toEqual({ status: 502, body: null });
    } finally {
      await fwd.close();
    }
  });
});

describe('a headless terminal provisioned with a proxy that wants a password', () => {
  const dir = tempDir();
  const keys = tempDir('hcp-keys-');
  const home = join(dir.path, 'home');
  let t: RunningTerminal;
  /** What the launcher gave the browser. */
  let args: string[] = [];
  beforeAll(async () => {
    const file = provisioningFile({ baseUrl: pageOrigin, province: { tls: { caCertificates: [ca.ca.cert] } } });
    file['network'] = { proxy: proxy.url(AUTH), noProxy: ['intranet.lan'] };
    const config = join(dir.path, 'provision.json');
    writeFileSync(config, JSON.stringify(file));
    t = await startTerminal(['--data-dir', dir.path, '--port', '0', '--config', config], { ...env, HCP_KEY_DIR: keys.path });
  });
  afterAll(async () => {
    await t.stop();
    dir.cleanup();
    keys.cleanup();
  });

  it('hands the kiosk’s browser its forwarder, the bypass list and the CAs, never the password, and the launcher passes them to Chromium', async () => {
    const written = join(dir.path, 'kiosk', 'page-network.json');
    expect(readFileSync(written, 'utf8')).not.toContain(AUTH.pass);
    const n = readKioskNetwork(written);
    expect(n).toMatchObject({ bypassList: 'intranet.lan;*.intranet.lan', caCertificates: [ca.ca.cert] });
    const port = n?.forwarderPort ?? 0;
    expect(n?.proxyServer).toBe(`http://127.0.0.1:${String(port)}`);
    // The forwarder the terminal started reaches the page through the hall's proxy.
    expect((await through(port, new URL(pageOrigin).host)).body).toContain('评价页');

    const chromium = recordingBrowser(dir.path);
    const launched = runCommand(
      ['kiosk', '--data-dir', dir.path, '--browser', chromium.path],
      { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
      60_000,
    );
    expect(launched.code).toBe(0);
    args = await until(
      () => chromium.launched() ?? [],
      (a) => a.length > 0,
      10_000,
      'the launcher started the browser',
    );
    expect(args).toContain(`--proxy-server=http://127.0.0.1:${String(port)}`);
    expect(args).toContain('--proxy-bypass-list=intranet.lan;*.intranet.lan');
    expect(args.join(' ')).not.toContain(AUTH.pass);
  });

  it.skipIf(!existsSync(CERTUTIL) || !existsSync(CHROMIUM))(
    'lets Debian’s Chromium, with those switches and as that desktop user, load the page through the forwarder and trust its CA',
    async () => {
      // The launcher put the hall's CA in that user's NSS database. Chromium never proxies loopback by itself, and
      // this page is on 127.0.0.2: `<-loopback>` makes it, for the test alone.
      const proxied = args.filter((a) => a.startsWith('--proxy-server='));
      expect(proxied).toHaveLength(1);
      const before = proxy.log().split(new URL(pageOrigin).host).length;
      const dom = await dumpDom(
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          `--user-data-dir=${join(home, 'profile')}`,
          ...proxied,
          '--proxy-bypass-list=<-loopback>',
          '--dump-dom',
          `${pageOrigin}/`,
        ],
        { ...env, HOME: home },
      );
      expect(dom).toContain('评价页');
      expect(proxy.log().split(new URL(pageOrigin).host).length).toBeGreaterThan(before);
    },
    120_000,
  );
});
