import { describe, expect, it } from 'vitest';
import { MessageRate } from './message-rate.js';

const limits = {
  messagesPerSecond: 10,
  messageBurst: 20,
  bytesPerSecond: 1000,
  byteBurst: 4000,
  overRatePerSecond: 5,
  overRateBurst: 10,
};

describe('MessageRate', () => {
  it('counts every message, and its size, against the rate', () => {
    let now = 0;
    const rate = new MessageRate(limits, () => now);
    expect(rate.take(3000)).toBe(true);
    // 1000 bytes left: a large message does not pass, a small one does.
    expect(rate.take(1500)).toBe(false);
    expect(rate.take(900)).toBe(true);
    now += 1000; // one second: 1000 more bytes
    expect(rate.take(1000)).toBe(true);
    expect(rate.take(200)).toBe(false);
  });

  it('never lets a message larger than the byte burst through', () => {
    let now = 0;
    const rate = new MessageRate(limits, () => now);
    now += 60_000;
    expect(rate.take(4001)).toBe(false);
  });

  it('runs out of patience with a sender far over its rate', () => {
    let now = 0;
    const rate = new MessageRate(limits, () => now);
    for (let i = 0; i < 20; i++) expect(rate.take()).toBe(true);
    expect(rate.take()).toBe(false);
    for (let i = 0; i < 10; i++) expect(rate.tolerate()).toBe(true);
    expect(rate.tolerate()).toBe(false);
    now += 1000; // patience comes back slowly
    expect(rate.tolerate()).toBe(true);
  });
});
