import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROBE_PACE_MS, ProbePacer } from './probe-pacer.js';
import { Timers } from './timers.js';

describe('ProbePacer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const setUp = () => {
    const timers = new Timers();
    const bandwidth = { probing: true };
    let pads = 0;
    const carrier = { send: () => {}, pad: () => pads++ };
    const pacer = new ProbePacer(timers, bandwidth, () => carrier);
    return { timers, bandwidth, pacer, pads: () => pads };
  };

  it('pads every few milliseconds while the probe runs, and leaves no timer once it has ended', () => {
    const { timers, bandwidth, pacer, pads } = setUp();
    pacer.start();
    pacer.start(); // a second start while running changes nothing
    vi.advanceTimersByTime(300);
    expect(pads()).toBe(300 / PROBE_PACE_MS);
    bandwidth.probing = false;
    vi.advanceTimersByTime(50);
    expect(pads()).toBe(300 / PROBE_PACE_MS);
    expect(timers.size).toBe(0);
  });

  it('stops at once when the subscriber goes (no timer left)', () => {
    const { timers, pacer, pads } = setUp();
    pacer.start();
    vi.advanceTimersByTime(20);
    pacer.stop();
    vi.advanceTimersByTime(100);
    expect(pads()).toBe(20 / PROBE_PACE_MS);
    expect(timers.size).toBe(0);
  });
});
