import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../main/update/install.js';
import { UpdateRefused } from '../../main/update/bundle-read.js';
import { sm2SignHex, sm2VerifyHex } from '../../sync/crypto/gm.js';
import { scratchDirs } from '../helpers/fixtures.js';
import { TEST_KEY } from '../helpers/releases.js';

const dir = scratchDirs();
// SubjectPublicKeyInfo of an SM2 key (id-ecPublicKey, curve SM2 1.2.156.10197.1.301) around the raw "04…" point.
const SPKI_PREFIX = '3059301306072a8648ce3d020106082a811ccf5501822d034200';
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** OpenSSL's own SM2 verifier, with SM3 and the given distinguishing id: an independent check of the pure-JS signer. */
function opensslVerifies(data: Buffer, sigHex: string, publicKey: string, distid: string): boolean {
  const d = dir();
  writeFileSync(join(d, 'pub.der'), Buffer.from(SPKI_PREFIX + publicKey, 'hex'));
  writeFileSync(join(d, 'data'), data);
  writeFileSync(join(d, 'sig'), Buffer.from(sigHex, 'hex'));
  const r = spawnSync('openssl', [
    'pkeyutl',
    '-verify',
    '-pubin',
    '-inkey',
    join(d, 'pub.der'),
    '-keyform',
    'DER',
    '-rawin',
    '-digest',
    'sm3',
    '-in',
    join(d, 'data'),
    '-sigfile',
    join(d, 'sig'),
    '-pkeyopt',
    `distid:${distid}`,
  ]);
  return r.status === 0;
}

describe('manifest signatures: SM2 with SM3, the Z value of user id 1234567812345678, DER, lower-case hex', () => {
  const data = Buffer.from('{"format":"hcpupd/1","version":"1.2.0"}\n');

  it.skipIf(!hasOpenssl)('OpenSSL verifies what the terminal signs, and only with the default user id', () => {
    const sig = sm2SignHex(new Uint8Array(data), TEST_KEY.privateKey);
    expect(sig).toMatch(/^30[0-9a-f]+$/);
    expect(opensslVerifies(data, sig, TEST_KEY.publicKey, '1234567812345678')).toBe(true);
    expect(opensslVerifies(data, sig, TEST_KEY.publicKey, '0000000000000000')).toBe(false);
    expect(opensslVerifies(Buffer.from(data.toString().replace('1.2.0', '1.2.1')), sig, TEST_KEY.publicKey, '1234567812345678')).toBe(false);
  });

  it('verifies under the trusted key only, and refuses a signature that is not hex', () => {
    const sig = sm2SignHex(new Uint8Array(data), TEST_KEY.privateKey);
    const other = sm2.generateKeyPairHex();
    expect(sm2VerifyHex(new Uint8Array(data), sig, TEST_KEY.publicKey)).toBe(true);
    expect(sm2VerifyHex(new Uint8Array(data), sig, other.publicKey)).toBe(false);
    expect(() => verifySignature(data, sig, [other.publicKey, TEST_KEY.publicKey])).not.toThrow();
    expect(() => verifySignature(data, sig, [other.publicKey])).toThrow(UpdateRefused);
    expect(() => verifySignature(data, sig.toUpperCase(), [TEST_KEY.publicKey])).toThrow(/not a signature/);
    expect(() => verifySignature(data, sig, [])).toThrow(/no update key is trusted/);
  });
});
