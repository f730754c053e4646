import { describe, expect, it } from 'vitest';
import { Timers } from './timers.js';

describe('Timers', () => {
  it('counts pending timers until they fire or are cancelled', async () => {
    const timers = new Timers();
    let fired = 0;
    timers.after(1, () => fired++);
    const cancel = timers.after(1, () => fired++);
    const fired2 = new Promise<void>((resolve) => timers.soon(() => resolve()));
    expect(timers.size).toBe(3);
    cancel();
    expect(timers.size).toBe(2);
    await fired2;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fired).toBe(1);
    expect(timers.size).toBe(0);
  });

  it('cancels everything at once', () => {
    const timers = new Timers();
    timers.after(10_000, () => {});
    timers.soon(() => {});
    timers.cancelAll();
    expect(timers.size).toBe(0);
  });
});
