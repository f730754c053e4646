import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpHasher } from './ip-hasher.js';

let hasher: IpHasher;

beforeEach(() => {
  vi.useFakeTimers();
  hasher = new IpHasher(600);
});

afterEach(() => {
  hasher.close();
  vi.useRealTimers();
});

describe('IpHasher', () => {
  it('gives a stable, opaque key per address while the key lives', () => {
    const key = hasher.hash('203.0.113.7');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('203');
    expect(hasher.hash('203.0.113.7')).toBe(key);
    expect(hasher.hash('203.0.113.8')).not.toBe(key);
  });

  it('rotates its key every retention period, making old hashes meaningless', () => {
    const listener = vi.fn();
    hasher.onRotate(listener);
    const before = hasher.hash('2001:db8::1');
    vi.advanceTimersByTime(599_999);
    expect(hasher.hash('2001:db8::1')).toBe(before);
    expect(listener).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(listener).toHaveBeenCalledTimes(1);
    const after = hasher.hash('2001:db8::1');
    expect(after).not.toBe(before);
    vi.advanceTimersByTime(600_000);
    expect(listener).toHaveBeenCalledTimes(2);
    expect(hasher.hash('2001:db8::1')).not.toBe(after);
  });

  it('uses a key of its own: two hashers disagree', () => {
    const other = new IpHasher(600);
    expect(other.hash('198.51.100.1')).not.toBe(hasher.hash('198.51.100.1'));
    other.close();
  });

  it('stops notifying unsubscribed listeners and stops its timer on close', () => {
    const listener = vi.fn();
    const unsubscribe = hasher.onRotate(listener);
    unsubscribe();
    hasher.rotate();
    expect(listener).not.toHaveBeenCalled();
    hasher.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive', () => {
    vi.useRealTimers();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const real = new IpHasher(1);
    const timer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    real.close();
    setIntervalSpy.mockRestore();
  });

  it('refuses a non-positive retention period', () => {
    expect(() => new IpHasher(0)).toThrow(RangeError);
  });
});
