import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { hashHex, hmacHex, isValidSm2PublicKey, sm2EncryptField, sm3Hex } from '../../sync/crypto/gm.js';
import { SM2_KEYS } from '../helpers/fixtures.js';

describe('SM3 as the terminal runs it', () => {
  it('matches the published vectors of GB/T 32905', () => {
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(sm3Hex('abcd'.repeat(16))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  it('agrees with Node’s OpenSSL on random inputs, including UTF-8 text', () => {
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(i * 7);
      expect(sm3Hex(data)).toBe(createHash('sm3').update(data).digest('hex'));
    }
    const text = '三明市行政服务中心|非常满意';
    expect(sm3Hex(text)).toBe(createHash('sm3').update(text, 'utf8').digest('hex'));
  });

  it('HMAC-SM3 and HMAC-SHA256 agree with OpenSSL for short and long keys', () => {
    for (const keyLen of [1, 16, 64, 65, 200]) {
      const key = randomBytes(keyLen);
      const data = randomBytes(300);
      expect(hmacHex('HMAC-SM3', key, data)).toBe(createHmac('sm3', key).update(data).digest('hex'));
      expect(hmacHex('HMAC-SHA256', key, data)).toBe(createHmac('sha256', key).update(data).digest('hex'));
    }
    expect(hashHex('HMAC-SHA256', '')).toBe(createHash('sha256').update('').digest('hex'));
  });
});

describe('SM2 field encryption', () => {
  it('produces "sm2:" + C1C3C2 hex that the private key decrypts', () => {
    const field = sm2EncryptField('350402199001011234', SM2_KEYS.publicKey);
    expect(field).toMatch(/^sm2:04[0-9a-f]{128}[0-9a-f]{64}[0-9a-f]+$/);
    const body = field.slice('sm2:04'.length);
    expect(sm2.doDecrypt(body, SM2_KEYS.privateKey, 1)).toBe('350402199001011234');
    // Same plaintext twice: different ciphertexts (random k), so nothing can be matched across records.
    expect(sm2EncryptField('350402199001011234', SM2_KEYS.publicKey)).not.toBe(field);
  });

  it('validates public keys', () => {
    expect(isValidSm2PublicKey(SM2_KEYS.publicKey)).toBe(true);
    expect(isValidSm2PublicKey('04' + '1'.repeat(128))).toBe(false);
    expect(isValidSm2PublicKey('nonsense')).toBe(false);
  });
});
