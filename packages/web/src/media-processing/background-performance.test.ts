import { describe, expect, it } from 'vitest';
import { coverRect } from './background-compositor';
import {
  FrameBudget,
  judge,
  MAX_SEGMENT_MS,
  MIN_SCALE,
  WARMUP_FRAMES,
  WINDOW_FRAMES,
} from './background-performance';

describe('when the machine is too slow for background effects', () => {
  it('keeps going while painting fits in a frame at 15 fps and the mask is fresh', () => {
    expect(judge(10, 100, 1)).toBe('keep');
    expect(judge(33, MAX_SEGMENT_MS, 1)).toBe('keep');
  });

  it('halves the resolution first when painting is too slow, then gives up', () => {
    expect(judge(40, 100, 1)).toBe('lower');
    expect(judge(40, 100, MIN_SCALE)).toBe('off');
  });

  it('gives up at once when finding the person takes too long (a lower resolution does not help)', () => {
    expect(judge(5, MAX_SEGMENT_MS + 1, 1)).toBe('off');
  });

  it('judges once per window after a warm-up, and warms up again after lowering', () => {
    const budget = new FrameBudget();
    const verdicts: (string | null)[] = [];
    for (let i = 0; i < WARMUP_FRAMES + WINDOW_FRAMES; i++) verdicts.push(budget.record(50, 100, 1));
    expect(verdicts.filter((v) => v !== null)).toEqual(['lower']);
    expect(verdicts.at(-1)).toBe('lower');
    expect(budget.lastMeanMs).toBe(50);
    // Slow start frames (loading) are not counted.
    const fresh = new FrameBudget();
    for (let i = 0; i < WARMUP_FRAMES; i++) expect(fresh.record(5000, 100, 1)).toBeNull();
    let verdict = null;
    for (let i = 0; i < WINDOW_FRAMES; i++) verdict = fresh.record(10, 100, 1) ?? verdict;
    expect(verdict).toBe('keep');
  });
});

describe('fitting a picture behind the person', () => {
  it('crops a picture of another shape to cover the frame without distortion', () => {
    expect(coverRect(1280, 720, 640, 360)).toEqual({ x: 0, y: 0, w: 1280, h: 720 });
    // A square picture in a 16:9 frame: full width, the middle rows.
    expect(coverRect(1000, 1000, 1600, 900)).toEqual({ x: 0, y: 218.75, w: 1000, h: 562.5 });
    // A very wide picture: full height, the middle columns.
    const wide = coverRect(4000, 1000, 1600, 900);
    expect(wide.h).toBe(1000);
    expect(wide.x).toBeCloseTo((4000 - 1000 * (16 / 9)) / 2);
  });
});
