import { describe, expect, it } from 'vitest';
import {
  GapTracker,
  MAX_GAP,
  MAX_LATE,
  MAX_MISSING,
  MAX_NACKS,
  MIN_NACK_RETRY_MS,
  MISSING_LIFETIME_MS,
  NACK_RETRY_MS,
} from './gap-tracker.js';

/** A tracker fed `sequences` at time 0; returns the order of each. */
function feed(tracker: GapTracker, sequences: number[], now = 0): string[] {
  return sequences.map((sequence) => tracker.received(sequence, () => now));
}

function due(tracker: GapTracker, now: number): number[] {
  const lost: number[] = [];
  tracker.collectDue(now, lost);
  return lost.sort((a, b) => a - b);
}

describe('GapTracker', () => {
  it('records the sequence numbers a forward jump skips, across the 16-bit wrap', () => {
    const tracker = new GapTracker();
    expect(feed(tracker, [65533, 65534, 1])).toEqual(['next', 'next', 'next']);
    expect(tracker.outstanding).toBe(2);
    expect(due(tracker, 30)).toEqual([0, 65535]);
    // The retransmissions come back: recovered once, a second copy is old.
    expect(feed(tracker, [65535, 0, 0])).toEqual(['recovered', 'recovered', 'old']);
    expect(tracker.outstanding).toBe(0);
    expect(feed(tracker, [1])).toEqual(['duplicate']);
  });

  it('takes a reordered packet as recovered without waiting for a NACK', () => {
    const tracker = new GapTracker();
    expect(feed(tracker, [100, 102, 101, 103])).toEqual(['next', 'next', 'recovered', 'next']);
    expect(tracker.outstanding).toBe(0);
    expect(due(tracker, 30)).toEqual([]);
  });

  it('NACKs each packet at most MAX_NACKS times, NACK_RETRY_MS apart, then gives up', () => {
    const tracker = new GapTracker();
    feed(tracker, [10, 12]);
    expect(due(tracker, 25)).toEqual([11]);
    expect(due(tracker, 25 + NACK_RETRY_MS - 1)).toEqual([]);
    let now = 25;
    for (let attempt = 2; attempt <= MAX_NACKS; attempt++) {
      now += NACK_RETRY_MS;
      expect(due(tracker, now)).toEqual([11]);
    }
    expect(tracker.outstanding).toBe(1);
    expect(due(tracker, now + NACK_RETRY_MS)).toEqual([]);
    expect(tracker.outstanding).toBe(0);
    // Given up: if it comes after all, it is old (still forwardable), not recovered.
    expect(feed(tracker, [11])).toEqual(['old']);
  });

  it('gives up a packet MISSING_LIFETIME_MS after its gap was seen', () => {
    const tracker = new GapTracker();
    feed(tracker, [10, 12]);
    expect(due(tracker, 10)).toEqual([11]);
    expect(due(tracker, MISSING_LIFETIME_MS + 1)).toEqual([]);
    expect(tracker.outstanding).toBe(0);
  });

  it('keeps at most MAX_MISSING, and ignores jumps above MAX_GAP', () => {
    const tracker = new GapTracker();
    feed(tracker, [0, MAX_GAP]);
    expect(tracker.outstanding).toBe(MAX_MISSING);
    const capped = new GapTracker();
    feed(capped, [0, MAX_GAP + 2]);
    expect(capped.outstanding).toBe(0);
    expect(due(capped, 30)).toEqual([]);
  });

  it('starts over when the stream jumps far back (new sequence numbers)', () => {
    const tracker = new GapTracker();
    feed(tracker, [5000, 5002]);
    expect(feed(tracker, [1000, 1001])).toEqual(['next', 'next']);
    expect(tracker.outstanding).toBe(0);
    // A packet a little behind is late, not a restart.
    expect(feed(tracker, [999])).toEqual(['old']);
  });

  it('NACKs again after twice the measured round trip once retransmissions have come back', () => {
    const tracker = new GapTracker();
    expect(tracker.retryInterval).toBe(NACK_RETRY_MS);
    feed(tracker, [10, 12, 14], 0);
    expect(due(tracker, 0)).toEqual([11, 13]);
    // 11 comes back 15 ms after its NACK: retry after 30 ms.
    expect(tracker.received(11, () => 15)).toBe('recovered');
    expect(tracker.retryInterval).toBe(30);
    expect(due(tracker, 29)).toEqual([]);
    expect(due(tracker, 30)).toEqual([13]);
    // A fast round trip still leaves MIN_NACK_RETRY_MS.
    expect(tracker.received(13, () => 31)).toBe('recovered');
    expect(tracker.retryInterval).toBeGreaterThanOrEqual(MIN_NACK_RETRY_MS);
  });

  it('tells what a retransmission may be: older than the highest, at most MAX_LATE behind', () => {
    const tracker = new GapTracker();
    expect(tracker.behind(5)).toBe(false); // nothing received yet
    feed(tracker, [3, 10]);
    expect([9, 4, 3, 10, 11, 600].map((sequence) => tracker.behind(sequence))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(tracker.outstanding).toBe(6); // asking changes nothing
    feed(tracker, [40000, 65535, 2]); // a new sequence far behind, then across the 16-bit wrap
    expect(tracker.behind((2 - MAX_LATE) & 0xffff)).toBe(true);
    expect(tracker.behind((2 - MAX_LATE - 1) & 0xffff)).toBe(false);
    expect(tracker.behind(65535)).toBe(true);
  });
});
