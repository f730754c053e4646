// Privacy: keeps nothing personal (a timer).

import type { ProbeCarrier, SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import type { CancelTimer, Timers } from './timers.js';

/** How often a running probe's padding is topped up between media packets (ms). */
export const PROBE_PACE_MS = 5;

/**
 * Sends a running bandwidth probe's padding at the probe's rate between media packets. Padding sent
 * only after media packets fell short of the rate: a video arrives a frame at a time (a burst every
 * 50 ms at 20 frames/s), and at most PADDING_BURST packets may follow one media packet, so a probe from
 * 360p for 720p sent ~740 kbit/s of the 1 Mbit/s it aimed at and failed every time (bench/quality.ts:
 * the capped viewer never climbed back to 720p). The timer runs only while a probe does (≤ PROBE_MS).
 */
export class ProbePacer {
  private cancel: CancelTimer | null = null;

  constructor(
    private readonly timers: Timers,
    private readonly bandwidth: Pick<SubscriberBandwidth, 'probing'>,
    /** Where the padding goes now (a forwarded video's streams, or a paused one's carrier); null: none. */
    private readonly carrier: () => ProbeCarrier | null,
  ) {}

  /** A probe began: pace its padding until it ends. */
  start(): void {
    if (this.cancel !== null) return;
    const tick = () => {
      this.cancel = null;
      if (!this.bandwidth.probing) return;
      this.carrier()?.pad();
      this.cancel = this.timers.after(PROBE_PACE_MS, tick);
    };
    this.cancel = this.timers.after(PROBE_PACE_MS, tick);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }
}
