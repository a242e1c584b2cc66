import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacHex, sm3Hex } from '../../sync/crypto/gm.js';
import { jsSm3, nativeSm3, pickSm3, SM3 } from '../../sync/crypto/sm3.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('SM3: the runtime’s OpenSSL where it has one, the pure-JS one (as Electron runs it) otherwise', () => {
  it('both give the published vectors of GB/T 32905', () => {
    for (const impl of [nativeSm3, jsSm3]) {
      expect(impl.hash(utf8('abc'))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
      expect(impl.hash(utf8('abcd'.repeat(16)))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
    }
  });

  it('both agree on random inputs, the hash and HMAC with keys shorter and longer than a block', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ minLength: 1, maxLength: 150 }), (data, key) => {
        expect(nativeSm3.hash(data)).toBe(jsSm3.hash(data));
        expect(nativeSm3.hmac(key, data)).toBe(jsSm3.hmac(key, data));
      }),
      { numRuns: 300 },
    );
    const text = '三明市行政服务中心|非常满意';
    expect(nativeSm3.hash(utf8(text))).toBe(jsSm3.hash(utf8(text)));
  });

  it('picks the pure-JS one when the runtime lists no sm3 (Electron’s BoringSSL), the native one when it does', () => {
    expect(pickSm3(['sha256', 'sha512', 'md5']).name).toBe('js');
    expect(pickSm3(['sha256', 'sm3']).name).toBe('native');
    // Node 24's OpenSSL has it: what the terminal signs and chains with here.
    expect(SM3.name).toBe('native');
    expect(sm3Hex('abc')).toBe(jsSm3.hash(utf8('abc')));
    expect(hmacHex('HMAC-SM3', 'app-secret', 'body')).toBe(jsSm3.hmac(utf8('app-secret'), utf8('body')));
  });
});
