/**
 * When this machine is too slow for background effects. Each camera frame is segmented and painted
 * on the main thread; if that takes longer than a frame's share of time, frames are dropped and the
 * picture stutters, and the rest of the page gets sluggish. The processor measures the time per
 * frame and asks `judge` what to do: go on, halve the processing resolution, or give up (the plain
 * camera is sent again and the person is told why).
 */

/** Below this rate a moving picture looks jerky: the least a background effect may cost us. */
export const MIN_FPS = 15;
/** The processing resolution never goes below this share of the camera's. */
export const MIN_SCALE = 0.5;
/** Frames skipped at the start (loading, first compilation) and frames per judgement. */
export const WARMUP_FRAMES = 20;
export const WINDOW_FRAMES = 45;

export type Verdict = 'keep' | 'lower' | 'off';

/**
 * The verdict on a window of measured frames: `busyMs` is the mean time spent on one frame
 * (segmentation plus painting), `scale` the processing resolution as a share of the camera's.
 */
export function judge(busyMs: number, scale: number): Verdict {
  // The effect may take up to 80 % of a frame's time at MIN_FPS; the rest is for the page.
  const budgetMs = (1000 / MIN_FPS) * 0.8;
  if (busyMs <= budgetMs) return 'keep';
  return scale > MIN_SCALE ? 'lower' : 'off';
}

/** Collects per-frame times and answers with a verdict once per window. */
export class FrameBudget {
  private seen = 0;
  private windowMs = 0;
  private windowFrames = 0;
  /** The last window's figures (for the tests and docs/performance.md). */
  lastMeanMs = 0;

  /** Records one frame's busy time; returns a verdict when a window is complete, else null. */
  record(busyMs: number, scale: number): Verdict | null {
    this.seen++;
    if (this.seen <= WARMUP_FRAMES) return null;
    this.windowMs += busyMs;
    this.windowFrames++;
    if (this.windowFrames < WINDOW_FRAMES) return null;
    this.lastMeanMs = this.windowMs / this.windowFrames;
    this.windowMs = 0;
    this.windowFrames = 0;
    const verdict = judge(this.lastMeanMs, scale);
    // A new resolution starts with a fresh warm-up.
    if (verdict === 'lower') this.seen = 0;
    return verdict;
  }
}
