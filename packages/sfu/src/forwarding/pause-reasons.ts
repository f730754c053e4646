// Privacy: keeps nothing personal (why one forwarded track is held back).

/** Told when a subscriber's video pauses for its bandwidth (true) and when it resumes (false). */
export type BandwidthPauseReport = (paused: boolean) => void;

/**
 * Why one Subscription forwards nothing now: last-N, the subscriber's own hold (audio only), its
 * answer declining the m-line, or its bandwidth (LayerSelector.pausedForBandwidth). Only the last is
 * news to the subscriber's app — it knows the others — so only that one is reported, and only when
 * it changes: paused for bandwidth while nothing else holds the video back, or no longer.
 */
export class PauseReasons {
  lastN = false;
  held = false;
  declined = false;
  bandwidth = false;
  /** What the subscriber was last told: its video is paused for bandwidth. */
  private reported = false;

  constructor(private readonly report: BandwidthPauseReport) {}

  /** Held back for any reason. */
  get any(): boolean {
    return this.lastN || this.held || this.declined || this.bandwidth;
  }

  /** Held back for a reason other than bandwidth: the subscriber takes none of this video now. */
  get withheld(): boolean {
    return this.lastN || this.held || this.declined;
  }

  /** Report the pause for bandwidth if it began or ended since the last report. */
  reportChange(): void {
    const paused = this.bandwidth && !this.lastN && !this.held && !this.declined;
    if (paused === this.reported) return;
    this.reported = paused;
    this.report(paused);
  }

  /** The track stops being forwarded for good: a pause reported is over. */
  ended(): void {
    if (!this.reported) return;
    this.reported = false;
    this.report(false);
  }
}
