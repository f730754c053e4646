import { describe, expect, it } from 'vitest';
import { addressPrefix } from './address-prefix.js';

describe('addressPrefix', () => {
  it('keeps an IPv4 address whole', () => {
    expect(addressPrefix('192.0.2.17')).toBe('192.0.2.17');
  });

  it('cuts IPv6 to its /64, however the address is written', () => {
    const prefix = addressPrefix('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(prefix).toBe('2001:db8:1:2::/64');
    expect(addressPrefix('2001:db8:1:2::1')).toBe(prefix);
    expect(addressPrefix('2001:0DB8:0001:0002:ffff::')).toBe(prefix);
    expect(addressPrefix('2001:db8:1:2::7%eth0')).toBe(prefix);
    expect(addressPrefix('2001:db8:1:3::1')).not.toBe(prefix);
    expect(addressPrefix('::1')).toBe('0:0:0:0::/64');
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(addressPrefix('::ffff:192.0.2.17')).toBe('192.0.2.17');
    expect(addressPrefix('::ffff:c000:211')).toBe('192.0.2.17');
  });

  it('returns anything else unchanged', () => {
    expect(addressPrefix('not an address')).toBe('not an address');
    expect(addressPrefix('')).toBe('');
  });
});
