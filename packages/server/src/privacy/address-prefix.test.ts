import { describe, expect, it } from 'vitest';
import { addressPrefix } from './address-prefix.js';
import { IpHasher } from './ip-hasher.js';
import { RateLimiter } from './rate-limiter.js';

describe('addressPrefix', () => {
  it('keeps IPv4 addresses whole and unwraps IPv4-mapped IPv6', () => {
    expect(addressPrefix('203.0.113.7')).toBe('203.0.113.7');
    expect(addressPrefix('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('cuts IPv6 to its /64, whatever the spelling', () => {
    const prefix = '2001:db8:1:2::/64';
    expect(addressPrefix('2001:db8:1:2::1')).toBe(prefix);
    expect(addressPrefix('2001:0DB8:0001:0002:ffff:eeee:dddd:cccc')).toBe(prefix);
    expect(addressPrefix('2001:db8:1:2:0:0:0:9%eth0')).toBe(prefix);
    expect(addressPrefix('2001:db8:1:3::1')).not.toBe(prefix);
    expect(addressPrefix('::1')).toBe('0:0:0:0::/64');
    expect(addressPrefix('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64');
  });

  it('returns anything that is not an address unchanged', () => {
    expect(addressPrefix('not-an-address')).toBe('not-an-address');
  });
});

describe('address-keyed limits', () => {
  it('hold for a whole IPv6 /64: rotating the interface id gains nothing', () => {
    const hasher = new IpHasher(600);
    const limiter = new RateLimiter(hasher, { limit: 3, windowMs: 60_000 });
    for (let i = 1; i <= 3; i++) expect(limiter.hit(`2001:db8:5:6::${i.toString(16)}`).allowed).toBe(true);
    expect(limiter.hit('2001:db8:5:6:abcd::77').allowed).toBe(false);
    expect(limiter.hit('2001:db8:5:7::1').allowed).toBe(true);
    limiter.close();
    hasher.close();
  });
});
