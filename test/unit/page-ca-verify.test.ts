import { beforeAll, describe, expect, it } from 'vitest';
import type { Certificate, Request } from 'electron';
import { verifyProcFor } from '../../main/electron/page-session.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';

const HOST = 'hcp.example.gov.cn';
const AUTHORITY_INVALID = -202;

/** What Chromium hands Electron's verify proc: the chain the server sent, leaf first, linked by `issuerCert`. */
function request(hostname: string, pems: string[], errorCode = AUTHORITY_INVALID): Request {
  const link = (i: number): Certificate | undefined => {
    const data = pems[i];
    return data === undefined ? undefined : ({ data, issuerCert: link(i + 1) } as unknown as Certificate);
  };
  const certificate = link(0);
  return {
    hostname,
    certificate,
    validatedCertificate: certificate,
    isIssuedByKnownRoot: false,
    verificationResult: errorCode === 0 ? 'OK' : 'net::ERR',
    errorCode,
  } as Request;
}

function verdict(proc: ReturnType<typeof verifyProcFor>, r: Request): number {
  let out = NaN;
  proc(r, (v) => (out = v));
  return out;
}

describe('the page’s certificate under Electron, with provisioned CAs', () => {
  let hall: TestCa;
  let other: TestCa;
  beforeAll(() => {
    hall = makeTestCa('Hall IT CA');
    other = makeTestCa('Someone Else CA');
  });

  it('accepts a page certificate Chromium did not know the issuer of, when it chains to a provisioned CA', () => {
    const leaf = hall.issue({ cn: HOST, san: `DNS:${HOST}` });
    expect(verdict(verifyProcFor([hall.ca.cert]), request(HOST, [leaf.cert]))).toBe(0);
    // The server sending its CA along changes nothing.
    expect(verdict(verifyProcFor([hall.ca.cert]), request(HOST, [leaf.cert, hall.ca.cert]))).toBe(0);
  });

  it('refuses a leaf from another CA, an expired one and one for another host: Chromium’s verdict stands', () => {
    const proc = verifyProcFor([hall.ca.cert]);
    const foreign = other.issue({ cn: HOST, san: `DNS:${HOST}` });
    const expired = hall.issue({ cn: HOST, san: `DNS:${HOST}`, days: -1 });
    const elsewhere = hall.issue({ cn: 'evil.example.com', san: 'DNS:evil.example.com' });
    expect(verdict(proc, request(HOST, [foreign.cert]))).toBe(-3);
    // Sending the other CA along does not make it a provisioned one.
    expect(verdict(proc, request(HOST, [foreign.cert, other.ca.cert]))).toBe(-3);
    expect(verdict(proc, request(HOST, [expired.cert]))).toBe(-3);
    expect(verdict(proc, request(HOST, [elsewhere.cert]))).toBe(-3);
    expect(verdict(proc, request(HOST, ['not a certificate']))).toBe(-3);
  });

  it('leaves every other verdict to Chromium, a trusted certificate as much as one refused for its dates', () => {
    const proc = verifyProcFor([hall.ca.cert]);
    const leaf = hall.issue({ cn: HOST, san: `DNS:${HOST}` });
    expect(verdict(proc, request(HOST, [leaf.cert], 0))).toBe(-3);
    expect(verdict(proc, request(HOST, [leaf.cert], -201))).toBe(-3);
    expect(verdict(proc, request(HOST, [leaf.cert], -200))).toBe(-3);
  });

  it('trusts only the CAs provisioned: with none, an unknown issuer stays refused', () => {
    const leaf = hall.issue({ cn: HOST, san: `DNS:${HOST}` });
    expect(verdict(verifyProcFor([other.ca.cert]), request(HOST, [leaf.cert]))).toBe(-3);
    expect(verdict(verifyProcFor([]), request(HOST, [leaf.cert]))).toBe(-3);
  });
});
