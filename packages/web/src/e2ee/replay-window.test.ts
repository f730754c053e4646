import { describe, expect, it } from 'vitest';
import { ReplayWindow } from './replay-window';

describe('replay window', () => {
  it('accepts each counter once, in any order within the window', () => {
    const window = new ReplayWindow(64);
    for (const ctr of [5, 3, 9, 4, 70, 8]) expect(window.accept(ctr)).toBe(true);
    for (const ctr of [5, 3, 9, 70]) expect(window.accept(ctr)).toBe(false);
    expect(window.fresh(69)).toBe(true);
  });

  it('refuses counters that fell out of the window, and forgets slots it slid past', () => {
    const window = new ReplayWindow(64);
    expect(window.accept(10)).toBe(true);
    expect(window.accept(200)).toBe(true);
    // 10 is now more than 64 behind: too old, even though it was never seen in its new slot.
    expect(window.accept(136)).toBe(false);
    expect(window.accept(137)).toBe(true);
    // Slot of 10 + 192 = 202 was reused for nothing yet: still fresh.
    expect(window.accept(202)).toBe(true);
    expect(window.accept(202)).toBe(false);
  });
});
