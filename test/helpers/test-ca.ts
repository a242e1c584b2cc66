import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

export interface TestCa {
  dir: string;
  ca: Pem;
  /** A server certificate signed by this CA. `days` < 0: already expired. */
  issue(o: { cn: string; san: string; days?: number }): Pem;
}

/** A CA of the test's own, made with the openssl CLI (EC P-256), and the server certificates it signs. */
export function makeTestCa(name = 'Test Hall CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'test-ca-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', `/CN=${name}`);
  let n = 0;
  return {
    dir,
    ca: { cert: readFileSync(join(dir, 'ca.pem'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') },
    issue({ cn, san, days = 30 }) {
      const id = `s${String(++n)}`;
      ossl('req', ...ec, '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', `/CN=${cn}`);
      writeFileSync(join(dir, `${id}.ext`), `subjectAltName=${san}\n`);
      // -days -1 (OpenSSL 3.0): notAfter a day before now, i.e. expired.
      ossl(
        'x509',
        '-req',
        '-in',
        `${id}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${id}.pem`,
        '-days',
        String(days),
        '-extfile',
        `${id}.ext`,
      );
      return { cert: readFileSync(join(dir, `${id}.pem`), 'utf8'), key: readFileSync(join(dir, `${id}.key`), 'utf8') };
    },
  };
}
