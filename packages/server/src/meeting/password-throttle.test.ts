import { describe, expect, it } from 'vitest';
import { PasswordThrottle } from './password-throttle.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('PasswordThrottle', () => {
  it('allows five wrong passwords, then makes the client wait longer after each further one', () => {
    const time = clock();
    const throttle = new PasswordThrottle({ now: time.now });
    for (let i = 1; i <= 4; i++) {
      expect(throttle.failed('client-a')).toBe(0);
      expect(throttle.waitSeconds('client-a')).toBe(0);
    }
    expect(throttle.failed('client-a')).toBe(2);
    expect(throttle.waitSeconds('client-a')).toBe(2);
    time.advance(1500);
    expect(throttle.waitSeconds('client-a')).toBe(1);
    time.advance(500);
    expect(throttle.waitSeconds('client-a')).toBe(0);
    expect(throttle.failed('client-a')).toBe(4);
    time.advance(4000);
    expect(throttle.failed('client-a')).toBe(8);
    // another client is not affected
    expect(throttle.waitSeconds('client-b')).toBe(0);
  });

  it('caps the wait, starts over after a right password, and forgets everything on clear()', () => {
    const time = clock();
    const throttle = new PasswordThrottle({ now: time.now, maxDelayMs: 10_000 });
    for (let i = 0; i < 20; i++) throttle.failed('client-a');
    expect(throttle.waitSeconds('client-a')).toBe(10);
    throttle.succeeded('client-a');
    expect(throttle.waitSeconds('client-a')).toBe(0);
    expect(throttle.failed('client-a')).toBe(0);
    throttle.failed('client-b');
    expect(throttle.size).toBe(2);
    throttle.clear();
    expect(throttle.size).toBe(0);
  });

  it('keeps at most maxKeys clients, forgetting the least recently seen', () => {
    const throttle = new PasswordThrottle({ maxKeys: 2 });
    throttle.failed('a');
    throttle.failed('b');
    throttle.failed('a');
    throttle.failed('c');
    expect(throttle.size).toBe(2);
    // b was seen least recently
    for (let i = 0; i < 4; i++) throttle.failed('b');
    expect(throttle.waitSeconds('b')).toBe(0);
  });
});
