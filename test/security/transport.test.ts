import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHost } from '../../main/host/host.js';
import { parseProvisioning } from '../../main/provisioning/apply.js';
import { startRuntime } from '../../main/runtime/runtime.js';
import { silentLog } from '../helpers/core.js';
import { provisioningFile, scratchDirs, TOKEN } from '../helpers/fixtures.js';
import { provisioningRefusal } from '../helpers/in-process.js';

const dir = scratchDirs();
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tls');
const cert = readFileSync(join(FIXTURES, 'cert.pem'), 'utf8');
const key = readFileSync(join(FIXTURES, 'key.pem'), 'utf8');

function withChanges(change: (f: Record<string, Record<string, unknown>>) => void): unknown {
  const f = provisioningFile() as Record<string, Record<string, unknown>>;
  change(f);
  return f;
}

const refusal = provisioningRefusal;

describe('the province is reached over HTTPS', () => {
  it('refuses a plain http:// province that is not on this machine, naming the field, unless a lab allows it', () => {
    const lan = withChanges((f) => (f['province'] = { ...f['province'], baseUrl: 'http://10.1.2.3:8080' }));
    expect(refusal(lan)).toMatch(/province\.baseUrl.*https/);
    const lab = withChanges((f) => (f['province'] = { ...f['province'], baseUrl: 'http://10.1.2.3:8080', allowInsecureHttp: true }));
    expect(refusal(lab)).toBe('accepted');
    expect(refusal(withChanges((f) => (f['province'] = { ...f['province'], baseUrl: 'https://hcp.example.gov.cn' })))).toBe('accepted');
    expect(refusal(withChanges((f) => (f['province'] = { ...f['province'], baseUrl: 'http://127.0.0.1:8721' })))).toBe('accepted');
  });
});

describe('the local API on the hall LAN', () => {
  it('refuses a non-loopback bind without TLS or an explicit allowLan, and a certificate that is not one', () => {
    expect(refusal(withChanges((f) => (f['localApi'] = { ...f['localApi'], host: '0.0.0.0' })))).toMatch(/localApi\.host.*tls.*allowLan/);
    expect(refusal(withChanges((f) => (f['localApi'] = { ...f['localApi'], host: '0.0.0.0', allowLan: true })))).toBe('accepted');
    expect(refusal(withChanges((f) => (f['localApi'] = { ...f['localApi'], host: '0.0.0.0', tls: { cert, key } })))).toBe('accepted');
    expect(refusal(withChanges((f) => (f['localApi'] = { ...f['localApi'], host: '0.0.0.0', tls: { cert: 'nope', key } })))).toMatch(
      /localApi\.tls\.cert.*PEM/,
    );
  });

  it('serves the API over HTTPS with the provisioned certificate, the private key stored sealed', async () => {
    process.env['HCP_KEY_DIR'] = dir();
    const data = dir();
    const file = parseProvisioning(withChanges((f) => (f['localApi'] = { ...f['localApi'], host: '127.0.0.1', tls: { cert, key } })));
    const runtime = await startRuntime({ dataDir: data, provisioningFile: file, log: silentLog });
    const host = await startHost({
      runtime,
      host: '127.0.0.1',
      port: 0,
      uiDir: '/nonexistent',
      log: silentLog,
      dataDir: data,
      tls: runtime.apiTls ?? undefined,
    });
    try {
      expect(host.apiUrl).toMatch(/^https:/);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${host.apiUrl}/status`, { ca: cert, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      runtime.db.pragma('wal_checkpoint(TRUNCATE)');
      const raw = readFileSync(join(data, 'hcp-terminal.db'));
      expect(raw.includes(Buffer.from(key.split('\n')[1] ?? 'x'))).toBe(false);
    } finally {
      await host.close();
      await runtime.close();
    }
  });
});
