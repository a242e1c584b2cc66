import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProvinceSim, type ProvinceSim } from '../../sync/province-sim/simulator.js';
import { APP } from '../helpers/dialects.js';
import { TOKEN, provisioningFile, tempDir } from '../helpers/fixtures.js';
import { runCommand, startTerminal } from '../helpers/process.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { startTlsFront, type TlsFront } from '../helpers/tls-front.js';
import { until } from '../helpers/until.js';
import { writeFileSync } from 'node:fs';

// The running terminal, provisioned with a proxy that wants a password and a province whose CA only provisioning
// knows: its config, heartbeats and uploads go through the proxy; the password is sealed at rest and shown nowhere.

const AUTH = { user: 'hall', pass: 'Zx-proxy-pw-9137' };
const keys = tempDir('hcp-keys-');
const env = { HCP_KEY_DIR: keys.path, HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '' };

/** What beforeAll started, stopped by afterAll (whatever got started before a failure). */
const closers: (() => Promise<unknown>)[] = [];
let sim: ProvinceSim;
let ca: TestCa;
let front: TlsFront;
let proxy: Tinyproxy;

beforeAll(async () => {
  sim = await startProvinceSim({ apps: [APP] });
  closers.push(() => sim.close());
  ca = makeTestCa();
  front = await startTlsFront({ targetPort: sim.port, ...ca.issue({ cn: 'hcp.hall.test', san: 'IP:127.0.0.1' }) });
  closers.push(() => front.close());
  proxy = await startTinyproxy(AUTH);
  closers.push(() => proxy.stop());
});

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  keys.cleanup();
});

function provision(dir: string, pass: string): string {
  const file = provisioningFile({ baseUrl: front.url, province: { tls: { caCertificates: [ca.ca.cert] } } });
  file['network'] = { proxy: proxy.url({ user: AUTH.user, pass }) };
  const path = join(dir, 'provision.json');
  writeFileSync(path, JSON.stringify(file));
  return path;
}

async function status(api: string): Promise<{ sync?: { lastError: string | null; online: boolean } } & Record<string, unknown>> {
  const res = await fetch(`${api}/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as { sync?: { lastError: string | null; online: boolean } };
}

function everythingWritten(dir: string, stderr: string): string {
  const logs = readdirSync(join(dir, 'logs')).map((f) => readFileSync(join(dir, 'logs', f), 'utf8'));
  return [stderr, ...logs, runCommand(['status', '--data-dir', dir], env).stdout].join('\n');
}

describe('a terminal provisioned with a proxy and a province CA', () => {
  it('reaches its province through the proxy over TLS, and the password is in no log, status or database', async () => {
    const dir = tempDir();
    const t = await startTerminal(['--data-dir', dir.path, '--port', '0', '--config', provision(dir.path, AUTH.pass)], env);
    try {
      await until(
        () => sim.stats.configFetches,
        (n) => n > 0,
        15_000,
        'config fetched through the proxy',
      );
      expect(proxy.log()).toContain(`127.0.0.1:${String(front.port)}`);
      const s = await status(t.ready.api);
      expect(JSON.stringify(s)).not.toContain(AUTH.pass);
      expect(t.stderr()).toContain(`"proxy":"http://hall:***@127.0.0.1:${String(proxy.port)}"`);
    } finally {
      await t.stop();
    }
    expect(everythingWritten(dir.path, t.stderr())).not.toContain(AUTH.pass);
    const db = new Database(join(dir.path, 'hcp-terminal.db'), { readonly: true });
    const meta = JSON.stringify(db.prepare('SELECT * FROM meta').all());
    db.close();
    expect(meta).not.toContain(AUTH.pass);
    expect(meta).toContain('proxyPasswordSealed');
    dir.cleanup();
  });

  it('logs in words that the proxy refused the credentials, without the password it tried', async () => {
    const wrong = 'Wrong-proxy-pw-5521';
    const dir = tempDir();
    const t = await startTerminal(['--data-dir', dir.path, '--port', '0', '--config', provision(dir.path, wrong)], env);
    try {
      // As the diagnostics screen's latest warnings show it: the log line's message.
      const refused = `"msg":"config fetch failed (the proxy 127.0.0.1:${String(proxy.port)} refused the user name and password (HTTP 401)); keeping`;
      await until(
        () => t.stderr(),
        (e) => e.includes(refused),
        15_000,
        "the config poll's failure in words",
      );
      expect(JSON.stringify(await status(t.ready.api))).not.toContain(wrong);
    } finally {
      await t.stop();
    }
    expect(everythingWritten(dir.path, t.stderr())).not.toContain(wrong);
    dir.cleanup();
  });
});
