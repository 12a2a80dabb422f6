import { describe, expect, it } from '@jest/globals';

import { addressHash, addressKey } from './address-key.js';

describe('addressKey', () => {
  it('keeps IPv4 and unwraps IPv4-mapped IPv6', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('keeps the /64 of an IPv6 address, however it is written', () => {
    const a = addressKey('2001:db8:0:1:aaaa:bbbb:cccc:dddd');
    expect(a).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:0db8:0000:0001::1')).toBe(a);
    expect(addressKey('2001:DB8:0:1:ffff::')).toBe(a);
    expect(addressKey('2001:db8:0:2::1')).not.toBe(a);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('addressHash', () => {
  it('is the same for one network, differs across networks and keys, and hides the address', () => {
    const hash = addressHash('key', '2001:db8:0:1::5');
    expect(hash).toBe(addressHash('key', '2001:db8:0:1::6'));
    expect(hash).not.toBe(addressHash('key', '2001:db8:0:2::5'));
    expect(hash).not.toBe(addressHash('other', '2001:db8:0:1::5'));
    expect(hash).not.toContain('2001');
  });
});
