/**
 * When this machine is too slow for background effects. Each camera frame is painted on the main
 * thread; if that takes longer than a frame's share of time, frames are dropped, the picture
 * stutters and the page gets sluggish. The person is found less often than every frame when the
 * machine is slow, but a mask seconds old is useless. The processor measures both and asks
 * `judge` what to do: go on, halve the processing resolution, or give up (the plain camera is sent
 * again and the person is told why).
 */

/** Below this rate a moving picture looks jerky: the least a background effect may cost us. */
export const MIN_FPS = 15;
/** The processing resolution never goes below this share of the camera's. */
export const MIN_SCALE = 0.5;
/** Frames skipped at the start (loading, first compilation) and frames per judgement. */
export const WARMUP_FRAMES = 20;
export const WINDOW_FRAMES = 45;

/**
 * The person is found apart from the painting, as often as the machine manages; a mask older than
 * this shows the outline too far behind a moving person to be worth sending.
 */
export const MAX_SEGMENT_MS = 2500;

export type Verdict = 'keep' | 'lower' | 'off';

/**
 * The verdict on a window of measured frames: `paintMs` is the mean time spent painting one frame,
 * `segmentMs` the mean time to find the person once, `scale` the processing resolution as a share
 * of the camera's.
 */
export function judge(paintMs: number, segmentMs: number, scale: number): Verdict {
  if (segmentMs > MAX_SEGMENT_MS) return 'off';
  // Painting may take up to half of a frame's time at MIN_FPS; the rest is for the page.
  const budgetMs = (1000 / MIN_FPS) * 0.5;
  if (paintMs <= budgetMs) return 'keep';
  return scale > MIN_SCALE ? 'lower' : 'off';
}

/** Collects per-frame times and answers with a verdict once per window. */
export class FrameBudget {
  private seen = 0;
  private windowMs = 0;
  private windowFrames = 0;
  /** The last window's figures (for the tests and docs/performance.md). */
  lastMeanMs = 0;

  /**
   * Records one frame's painting time (and the current mean time to find the person); returns a
   * verdict when a window is complete, else null.
   */
  record(busyMs: number, segmentMs: number, scale: number): Verdict | null {
    this.seen++;
    if (this.seen <= WARMUP_FRAMES) return null;
    this.windowMs += busyMs;
    this.windowFrames++;
    if (this.windowFrames < WINDOW_FRAMES) return null;
    this.lastMeanMs = this.windowMs / this.windowFrames;
    this.windowMs = 0;
    this.windowFrames = 0;
    const verdict = judge(this.lastMeanMs, segmentMs, scale);
    // A new resolution starts with a fresh warm-up.
    if (verdict === 'lower') this.seen = 0;
    return verdict;
  }
}
