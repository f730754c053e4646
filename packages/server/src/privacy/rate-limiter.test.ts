import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpHasher } from './ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from './rate-limiter.js';

let hasher: IpHasher;

beforeEach(() => {
  vi.useFakeTimers();
  hasher = new IpHasher(600);
});

afterEach(() => {
  hasher.close();
  vi.useRealTimers();
});

function hits(limiter: RateLimiter, address: string, count: number) {
  return Array.from({ length: count }, () => limiter.hit(address).allowed);
}

describe('RateLimiter', () => {
  it('allows 10 sign-in attempts per 5 minutes per client, then says when to retry', () => {
    const limiter = new RateLimiter(hasher, LOGIN_RATE_LIMIT);
    expect(hits(limiter, '203.0.113.7', 10).every(Boolean)).toBe(true);
    expect(limiter.hit('203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 300 });
    // Another client is not affected.
    expect(limiter.hit('203.0.113.8')).toEqual({ allowed: true });
    vi.advanceTimersByTime(60_000);
    expect(limiter.hit('203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 240 });
  });

  it('slides: each attempt frees its slot one window after it was made', () => {
    const limiter = new RateLimiter(hasher, { limit: 2, windowMs: 10_000 });
    expect(limiter.hit('a').allowed).toBe(true);
    vi.advanceTimersByTime(4_000);
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 6 });
    vi.advanceTimersByTime(6_000);
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 4 });
  });

  it('does not count refused attempts', () => {
    const limiter = new RateLimiter(hasher, { limit: 1, windowMs: 10_000 });
    limiter.hit('a');
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(1_000);
      limiter.hit('a');
    }
    vi.advanceTimersByTime(4_999);
    expect(limiter.hit('a').allowed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(limiter.hit('a').allowed).toBe(true);
  });

  it('forgets every client when the hasher rotates its key', () => {
    const limiter = new RateLimiter(hasher, { limit: 1, windowMs: 3_600_000 });
    limiter.hit('a');
    limiter.hit('b');
    expect(limiter.size).toBe(2);
    expect(limiter.hit('a').allowed).toBe(false);
    vi.advanceTimersByTime(600_000);
    expect(limiter.size).toBe(0);
    expect(limiter.hit('a').allowed).toBe(true);
  });

  it('caps the number of tracked clients, forgetting the least recently seen', () => {
    const limiter = new RateLimiter(hasher, { limit: 1, windowMs: 60_000, maxKeys: 3 });
    for (const address of ['a', 'b', 'c']) limiter.hit(address);
    expect(limiter.hit('a').allowed).toBe(false); // 'a' is now the most recently seen
    limiter.hit('d');
    expect(limiter.size).toBe(3);
    expect(limiter.hit('b').allowed).toBe(true); // 'b' was evicted, so it starts afresh (evicting 'c')
    expect(limiter.hit('a').allowed).toBe(false);
    expect(limiter.hit('d').allowed).toBe(false);
  });

  it('drops clients whose attempts have all left the window', () => {
    const limiter = new RateLimiter(hasher, { limit: 5, windowMs: 10_000 });
    limiter.hit('a');
    limiter.hit('b');
    vi.advanceTimersByTime(10_000);
    limiter.hit('c');
    expect(limiter.size).toBe(1);
  });

  it('stops listening to rotations on close', () => {
    const limiter = new RateLimiter(hasher, LOGIN_RATE_LIMIT);
    limiter.hit('a');
    limiter.close();
    expect(limiter.size).toBe(0);
    limiter.hit('a');
    hasher.rotate();
    expect(limiter.size).toBe(1);
  });

  it('refuses nonsensical limits', () => {
    expect(() => new RateLimiter(hasher, { limit: 0, windowMs: 1 })).toThrow(RangeError);
    expect(() => new RateLimiter(hasher, { limit: 1, windowMs: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter(hasher, { limit: 1, windowMs: 1, maxKeys: 0 })).toThrow(RangeError);
  });
});
