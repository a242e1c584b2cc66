import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadBundle } from '../../main/update/download.js';
import { sm3Hex } from '../../sync/crypto/gm.js';
import { DEMO_SM2_PRIVATE_KEY, DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { startGovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { createTransport, type NetworkSettings } from '../../sync/net/transport.js';
import { startProvinceSim, type ProvinceSim } from '../../sync/province-sim/simulator.js';
import { testProvinceConnection } from '../../sync/province/connection-test.js';
import type { HcpJsonAccount } from '../../sync/province/factory.js';
import { APP, GOV_APP } from '../helpers/dialects.js';
import { tempDir } from '../helpers/fixtures.js';
import { freePort } from '../helpers/free-port.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { startTlsFront, type TlsFront } from '../helpers/tls-front.js';
import { runTsChild, sourceUrl } from '../helpers/ts-child.js';

const AUTH = { user: 'hall', pass: 's3cret-Proxy-pw' };

/** What beforeAll started, stopped by afterAll (whatever got started before a failure). */
const closers: (() => Promise<unknown>)[] = [];
let sim: ProvinceSim;
let ca: TestCa;
let good: TlsFront;
let open: Tinyproxy;
let guarded: Tinyproxy;
let expired: TlsFront;
let wrongHost: TlsFront;

beforeAll(async () => {
  sim = await startProvinceSim({ apps: [APP] });
  closers.push(() => sim.close());
  ca = makeTestCa();
  good = await startTlsFront({ targetPort: sim.port, ...ca.issue({ cn: 'hcp.hall.test', san: 'IP:127.0.0.1,DNS:localhost' }) });
  closers.push(() => good.close());
  open = await startTinyproxy();
  closers.push(() => open.stop());
  guarded = await startTinyproxy(AUTH);
  closers.push(() => guarded.stop());
  expired = await startTlsFront({ targetPort: sim.port, ...ca.issue({ cn: 'old.hall.test', san: 'IP:127.0.0.1', days: -1 }) });
  closers.push(() => expired.close());
  wrongHost = await startTlsFront({ targetPort: sim.port, ...ca.issue({ cn: 'other.hall.test', san: 'DNS:other.hall.test' }) });
  closers.push(() => wrongHost.close());
});

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

function account(baseUrl: string): HcpJsonAccount {
  return { dialect: 'hcp-json', baseUrl, terminalId: 'T-1', signAlg: 'HMAC-SM3', ...APP };
}

function check(baseUrl: string, net: NetworkSettings, env: NodeJS.ProcessEnv = {}) {
  return testProvinceConnection({ account: account(baseUrl), timeoutMs: 5_000, fetch: createTransport(net, env).fetch });
}

describe('the province through a proxy', () => {
  it('goes through an open proxy: the proxy saw the CONNECT to the province', async () => {
    const r = await check(good.url, { proxy: open.url(), caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: true, code: null });
    expect(open.log()).toContain(`127.0.0.1:${String(good.port)}`);
  });

  it('goes through a proxy that asks for credentials when they are given', async () => {
    const r = await check(good.url, { proxy: guarded.url(AUTH), caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: true, code: null });
  });

  it('says the proxy wants credentials (407) when none are given', async () => {
    const r = await check(good.url, { proxy: guarded.url(), caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: false, code: 'PROXY_AUTH_REQUIRED' });
    expect(r.message).toContain(`the proxy 127.0.0.1:${String(guarded.port)} wants a user name and password (HTTP 407)`);
  });

  it('says the proxy refused the credentials (401), and never shows the password', async () => {
    const wrong = { user: AUTH.user, pass: 'not-the-Pw-42' };
    const transport = createTransport({ proxy: guarded.url(wrong), caCertificates: [ca.ca.cert] }, {});
    const r = await testProvinceConnection({ account: account(good.url), timeoutMs: 5_000, fetch: transport.fetch });
    expect(r).toMatchObject({ reachable: false, code: 'PROXY_AUTH_REFUSED' });
    expect(r.message).toContain('refused the user name and password (HTTP 401)');
    expect(JSON.stringify(r)).not.toContain(wrong.pass);
    expect(transport.proxyShown).toBe(`http://hall:***@127.0.0.1:${String(guarded.port)}`);
  });

  it("says the same of a plain-http province (a lab's) whose requests the proxy forwards", async () => {
    expect(await check(sim.url, { proxy: guarded.url() })).toMatchObject({ reachable: false, code: 'PROXY_AUTH_REQUIRED' });
    expect(await check(sim.url, { proxy: guarded.url(AUTH) })).toMatchObject({ reachable: true, code: null });
  });

  it('says the proxy cannot be reached', async () => {
    const port = await freePort();
    const r = await check(good.url, { proxy: `http://127.0.0.1:${String(port)}`, caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: false, code: 'PROXY_UNREACHABLE' });
    expect(r.message).toContain(`the proxy 127.0.0.1:${String(port)} cannot be reached (ECONNREFUSED)`);
  });

  it('says the proxy answered with its own error page when it cannot reach the province', async () => {
    const closed = await freePort();
    const r = await check(`https://127.0.0.1:${String(closed)}`, { proxy: open.url(), caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: false, code: 'PROXY_ERROR' });
    expect(r.message).toMatch(/answered with its own error page \(HTTP 5\d\d\)/);
  });

  it('bypasses the proxy for a host in network.noProxy', async () => {
    const dead = `http://127.0.0.1:${String(await freePort())}`;
    const r = await check(good.url, { proxy: dead, noProxy: ['127.0.0.1'], caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: true, code: null });
  });

  it('without network.proxy, takes HTTPS_PROXY and NO_PROXY from the service environment', async () => {
    const dead = `http://127.0.0.1:${String(await freePort())}`;
    expect(await check(good.url, { caCertificates: [ca.ca.cert] }, { HTTPS_PROXY: dead })).toMatchObject({ code: 'PROXY_UNREACHABLE' });
    expect(await check(good.url, { caCertificates: [ca.ca.cert] }, { https_proxy: dead, no_proxy: '127.0.0.1' })).toMatchObject({ code: null });
    const before = open.log().length;
    expect(await check(good.url, { caCertificates: [ca.ca.cert] }, { HTTPS_PROXY: open.url() })).toMatchObject({ code: null });
    expect(open.log().slice(before)).toContain(`127.0.0.1:${String(good.port)}`);
  });

  it("provisioning's proxy wins over the environment's", async () => {
    const dead = `http://127.0.0.1:${String(await freePort())}`;
    expect(await check(good.url, { proxy: open.url(), caCertificates: [ca.ca.cert] }, { HTTPS_PROXY: dead })).toMatchObject({ code: null });
  });
});

describe("the province's certificate", () => {
  it('is refused as from an unknown CA when neither provisioning nor the OS store has its CA, naming it', async () => {
    const r = await check(good.url, {});
    expect(r).toMatchObject({ reachable: false, code: 'TLS_UNKNOWN_CA' });
    expect(r.message).toContain('unknown CA');
    expect(r.message).toMatch(/certificate CN=hcp\.hall\.test, valid \w{3} +\d+ [\d:]+ \d{4} GMT to \w{3} +\d+ [\d:]+ \d{4} GMT/);
  });

  it('is named the same through a proxy (the certificate read through the tunnel)', async () => {
    const r = await check(good.url, { proxy: guarded.url(AUTH) });
    expect(r).toMatchObject({ reachable: false, code: 'TLS_UNKNOWN_CA' });
    expect(r.message).toContain('CN=hcp.hall.test');
  });

  it('says an expired certificate is expired, with its dates', async () => {
    const r = await check(expired.url, { caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: false, code: 'TLS_EXPIRED' });
    expect(r.message).toContain('expired certificate');
    expect(r.message).toContain('CN=old.hall.test, valid');
  });

  it('says a certificate for another host is for the wrong host name', async () => {
    const r = await check(wrongHost.url, { caCertificates: [ca.ca.cert] });
    expect(r).toMatchObject({ reachable: false, code: 'TLS_WRONG_HOST' });
    expect(r.message).toContain('wrong host name: the certificate does not name 127.0.0.1 (it names DNS:other.hall.test)');
  });

  it('is trusted when its CA is in the OS store (tls.getCACertificates("system"), read at the process start)', async () => {
    // A scratch OS store: OpenSSL's SSL_CERT_FILE / SSL_CERT_DIR, which Node's system store reads on Linux.
    const probe = `
      const { createTransport } = await import(${JSON.stringify(sourceUrl('sync/net/transport.ts'))});
      const tls = await import('node:tls');
      const t = createTransport({}, {});
      let said;
      try { const res = await t.fetch(${JSON.stringify(good.url + '/')}); said = 'HTTP ' + res.status; } catch (e) { said = e.code ?? e.message; }
      console.log(JSON.stringify({ system: tls.getCACertificates('system').length, said }));
    `;
    const env = { PATH: process.env['PATH'], SSL_CERT_DIR: ca.dir };
    const withCa = await runTsChild(probe, { ...env, SSL_CERT_FILE: `${ca.dir}/ca.pem` });
    expect(withCa.err).toBe('');
    expect(JSON.parse(withCa.out)).toMatchObject({ said: expect.stringMatching(/^HTTP \d{3}$/) });
    const emptyStore = await runTsChild(probe, { ...env, SSL_CERT_FILE: '/dev/null', SSL_CERT_DIR: '/var/empty-store' });
    expect(JSON.parse(emptyStore.out)).toMatchObject({ system: 0, said: 'TLS_UNKNOWN_CA' });
  });
});

describe('every province request goes the same way', () => {
  it('a gov-form province through the proxy with the provisioned CA', async () => {
    const gov = await startGovFormSim({ apps: [GOV_APP], sm2PrivateKey: DEMO_SM2_PRIVATE_KEY, satisfactionCodes: 'gbt' });
    closers.push(() => gov.close());
    const front = await startTlsFront({ targetPort: gov.port, ...ca.issue({ cn: 'gov.hall.test', san: 'IP:127.0.0.1' }) });
    closers.push(() => front.close());
    const r = await testProvinceConnection({
      account: {
        dialect: 'gov-form',
        baseUrl: `${front.url}/pubservice`,
        terminalId: 'T-1',
        ...GOV_APP,
        sm2PublicKey: DEMO_SM2_PUBLIC_KEY,
        satisfactionCodes: 'gbt',
      },
      timeoutMs: 5_000,
      fetch: createTransport({ proxy: guarded.url(AUTH), caCertificates: [ca.ca.cert] }, {}).fetch,
    });
    expect(r).toMatchObject({ reachable: true, code: null });
    expect(guarded.log()).toContain(`127.0.0.1:${String(front.port)}`);
  });

  it('an update download through the proxy, resuming a partial file with Range', async () => {
    const bundle = randomBytes(200_000);
    const files = createServer((req, res) => {
      const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? NaN);
      if (Number.isFinite(from)) {
        res.writeHead(206, { 'content-length': String(bundle.length - from) }).end(bundle.subarray(from));
      } else {
        res.writeHead(200, { 'content-length': String(bundle.length) }).end(bundle);
      }
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => files.close(resolve)));
    const front = await startTlsFront({ targetPort: (files.address() as AddressInfo).port, ...ca.issue({ cn: 'updates.hall.test', san: 'IP:127.0.0.1' }) });
    closers.push(() => front.close());
    const dir = tempDir();
    closers.push(() => Promise.resolve(dir.cleanup()));
    const sm3 = sm3Hex(bundle);
    mkdirSync(dir.path, { recursive: true });
    writeFileSync(join(dir.path, `${sm3}.hcpupd.part`), bundle.subarray(0, 50_000));
    const transport = createTransport({ proxy: guarded.url(AUTH), caCertificates: [ca.ca.cert] }, {});
    const before = guarded.log().length;
    const file = await downloadBundle({ url: `${front.url}/u.hcpupd`, size: bundle.length, sm3 }, dir.path, transport.fetch);
    expect(readFileSync(file).equals(bundle)).toBe(true);
    expect(guarded.log().slice(before)).toContain(`127.0.0.1:${String(front.port)}`);
  });
});
