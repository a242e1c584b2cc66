import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../main/provisioning/apply.js';
import { createTransport } from '../../sync/net/transport.js';
import { provisioningFile } from '../helpers/fixtures.js';
import { makeTestCa } from '../helpers/test-ca.js';
import { projectRoot } from '../helpers/ts-child.js';
import { waitFor } from '../helpers/until.js';

// The province's certificate is always verified (terminal-cli.md v1.3): no setting turns it off, and the handshake that
// reads a refused certificate (to name it) carries no request.

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

describe('TLS verification of the province', () => {
  it('has no switch: only the certificate-reading handshake sets rejectUnauthorized, nothing sets NODE_TLS_REJECT_UNAUTHORIZED', () => {
    const product = ['main', 'sync', 'bin', 'device-drivers', 'renderer/src'].flatMap((d) => sources(join(projectRoot, d)));
    const hits = product.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return [...text.matchAll(/rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED/g)].map((m) => `${relative(projectRoot, f)}: ${m[0]}`);
    });
    expect(hits).toEqual(['sync/net/transport.ts: rejectUnauthorized']);
  });

  it('refuses a provisioning file that tries to turn it off', () => {
    const f = provisioningFile({ province: { tls: { caCertificates: [], rejectUnauthorized: false } } });
    expect(() => parseProvisioning(f)).toThrow(/province\.tls/);
  });

  it('sends not one byte to a server whose certificate it refuses, not even while reading that certificate for its name', async () => {
    const stranger = makeTestCa('Stranger CA').issue({ cn: 'evil.hall.test', san: 'IP:127.0.0.1' });
    let received = 0;
    let connections = 0;
    const server = createServer(stranger, (s) => {
      s.on('data', (b: Buffer) => (received += b.length));
      s.on('error', () => undefined);
    });
    server.on('connection', () => connections++);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/api/v1/records`;
      const err = await createTransport({}, {})
        .fetch(url, { method: 'POST', body: '{"secret":"citizen data"}' })
        .then(
          () => null,
          (e: unknown) => e as Error & { code?: string },
        );
      expect(err).toMatchObject({ code: 'TLS_UNKNOWN_CA' });
      expect(err?.message).toContain('CN=evil.hall.test');
      // Two connections reached the server (the request's, and the one that read the certificate), and both closed.
      await waitFor(() => connections >= 2, 'both connections');
      await waitFor(() => new Promise<boolean>((resolve) => server.getConnections((_e, n) => resolve(n === 0))), 'every connection closed');
      expect(received).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
