import { describe, expect, it } from 'vitest';
import { qualities, type StatsSample } from './connection-quality';

const sample = (
  rows: [string, number, number, number][],
  roundTripTime: number | null = 0.05,
): StatsSample => ({
  inbound: rows.map(([trackId, packetsReceived, packetsLost, jitter]) => ({
    trackId,
    packetsReceived,
    packetsLost,
    jitter,
  })),
  roundTripTime,
});

describe('qualities', () => {
  const owners = new Map([
    ['a-mic', 'a'],
    ['a-cam', 'a'],
    ['b-cam', 'b'],
    ['c-cam', 'c'],
  ]);

  it('judges each participant by the loss and jitter of their streams in the interval', () => {
    const before = sample([
      ['a-mic', 100, 0, 0.005],
      ['a-cam', 1000, 0, 0.005],
      ['b-cam', 1000, 10, 0.005],
      ['c-cam', 1000, 0, 0.005],
    ]);
    const after = sample([
      ['a-mic', 200, 0, 0.005],
      ['a-cam', 2000, 5, 0.01],
      ['b-cam', 1950, 60, 0.01], // 50 of 1000 lost: 5 %
      ['c-cam', 1800, 200, 0.01], // 200 of 1000: 20 %
    ]);
    expect(Object.fromEntries(qualities(before, after, owners))).toEqual({ a: 'good', b: 'fair', c: 'poor' });
  });

  it('marks everyone down when the round trip is long, and ignores tracks it cannot place', () => {
    const before = sample([
      ['a-cam', 0, 0, 0],
      ['x', 0, 0, 0],
    ]);
    const after = sample(
      [
        ['a-cam', 100, 0, 0],
        ['x', 0, 100, 0],
      ],
      1.5,
    );
    expect(Object.fromEntries(qualities(before, after, owners))).toEqual({ a: 'poor' });
  });
});
