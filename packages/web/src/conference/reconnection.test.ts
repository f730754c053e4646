import { describe, expect, it } from 'vitest';
import { mayReconnectAfter, RECONNECT_GIVE_UP_MS, reconnectDelay } from './reconnection';

describe('reconnection', () => {
  it('backs off 0.5, 1, 2, 4 s and then tries every 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 12].map(reconnectDelay)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('keeps trying for about a minute: a dozen or more attempts fit', () => {
    let waited = 0;
    let attempts = 0;
    while (waited + reconnectDelay(attempts) <= RECONNECT_GIVE_UP_MS) waited += reconnectDelay(attempts++);
    expect(attempts).toBeGreaterThanOrEqual(12);
  });

  it('does not come back after being replaced or refused for the protocol version', () => {
    expect(mayReconnectAfter(4006)).toBe(false);
    expect(mayReconnectAfter(4002)).toBe(false);
    for (const code of [1001, 1006, 1011, 4001]) expect(mayReconnectAfter(code)).toBe(true);
  });
});
