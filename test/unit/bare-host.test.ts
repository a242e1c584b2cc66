import { describe, expect, it } from 'vitest';
import { bareHost } from '../../sync/net/bare-host.js';

describe('a host as a socket takes it', () => {
  it('drops the brackets a URL puts round an IPv6 address', () => {
    expect(bareHost('[::1]')).toBe('::1');
    expect(bareHost('[fe80::1%25eth0]')).toBe('fe80::1%25eth0');
    expect(bareHost(new URL('https://[2001:db8::7]:8443/x').hostname)).toBe('2001:db8::7');
  });

  it('leaves a name, an IPv4 address and a bare IPv6 address as they are', () => {
    expect(bareHost('province.gov.cn')).toBe('province.gov.cn');
    expect(bareHost('10.0.0.7')).toBe('10.0.0.7');
    expect(bareHost('::1')).toBe('::1');
    expect(bareHost('')).toBe('');
  });

  it('drops a bracket on one side only, each on its own, and none inside', () => {
    expect(bareHost('[::1')).toBe('::1');
    expect(bareHost('::1]')).toBe('::1');
    expect(bareHost('a[b]c')).toBe('a[b]c');
    expect(bareHost('[[::1]]')).toBe('[::1]');
  });
});
