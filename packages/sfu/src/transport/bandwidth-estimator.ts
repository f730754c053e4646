import { type BandwidthUsage, DelayTrend } from './delay-trend.js';
import type { FeedbackResults } from './transport-sends.js';

/**
 * One subscriber's bandwidth estimate from its transport-cc feedback (transport-sends.ts matches the
 * feedback to what was sent). Two bounds, the smaller wins:
 *
 * - Delay-based (GCC-like): the overuse detector of delay-trend.ts drives an AIMD rate controller.
 *   Overusing (or a standing queue of STANDING_QUEUE_MS) for OVERUSE_CONFIRM_MS → the estimate drops to BETA × the throughput the subscriber
 *   acknowledged (at most once per DECREASE_INTERVAL_MS); normal → it grows, 8 %/s while far from the link capacity last seen at
 *   an overuse, additively (ADDITIVE_BPS_PER_S) near it; underusing (a queue draining) → it holds.
 *   Growth never takes it beyond 1.5 × the acknowledged throughput + 10 kbit/s: what was never sent
 *   was never shown to fit (a higher layer needs a probe, see Subscriber).
 * - Loss-based: over periods of LOSS_PERIOD_MS and LOSS_MIN_PACKETS packets at least, more than 10 % lost lowers the bound by half
 *   the loss fraction, under 2 % lets it grow 8 %/s (and stop limiting once far above the delay-based
 *   one), in between it holds; loss within LOSS_AFTER_DECREASE_MS of a delay-based decrease
 *   is not counted (it was caused by the rate before that decrease). Random loss of a few percent (radio, a lossy path) therefore never
 *   collapses the estimate the way a queue does — the delay-based half sees no queue growing.
 *
 * Pure: the caller passes its clock (`nowMs`); each feedback costs O(packets it reports), bounded by
 * MAX_REPORTED. The estimate is always a finite number in [MIN_ESTIMATE_BPS, MAX_ESTIMATE_BPS].
 */

/** Before any feedback: what the SFU grants publishers (REMB); congestion soon corrects it. */
export const INITIAL_ESTIMATE_BPS = 2_500_000;
export const MIN_ESTIMATE_BPS = 30_000;
export const MAX_ESTIMATE_BPS = 50_000_000;
/** On overuse: this share of the acknowledged throughput. */
const BETA = 0.85;
const DECREASE_INTERVAL_MS = 500;
/**
 * Overuse must last this long (over successive feedback) before the estimate drops: a key frame's
 * burst through a busy receiver reads as a short queue; congestion keeps the queue growing.
 */
const OVERUSE_CONFIRM_MS = 150;
/**
 * A queue this deep counts as overuse even when it no longer grows: a tail-drop queue that has filled
 * up stands still (no slope) while it drops packets (seen in Chromium behind the 300 kbit/s relay: the
 * slope flagged overuse once, then the full queue read as "normal" for 5 s).
 */
const STANDING_QUEUE_MS = 100;
const INCREASE_PER_SECOND = 1.08;
const ADDITIVE_BPS_PER_S = 40_000;
/** Growth cap relative to the acknowledged throughput. */
const ACKED_HEADROOM = 1.5;
const ACKED_HEADROOM_BPS = 10_000;
/** Acknowledged throughput over this much of the subscriber's arrival clock. */
const THROUGHPUT_WINDOW_MS = 500;
const THROUGHPUT_RING = 4096;
/** Loss is judged over at least this long and this many packets (fewer would read noise as loss). */
const LOSS_PERIOD_MS = 1000;
const LOSS_MIN_PACKETS = 40;
const LOSS_HIGH = 0.1;
const LOSS_LOW = 0.02;
const LOSS_DECREASE_INTERVAL_MS = 300;
const LOSS_AFTER_DECREASE_MS = 1000;
/** The loss bound stops limiting once it is this far above the delay-based estimate. */
const LOSS_BOUND_RELEASE = 1.5;

/** Bits per second acknowledged over the last THROUGHPUT_WINDOW_MS of arrivals (a bounded ring). */
export class ThroughputMeter {
  private readonly at = new Float64Array(THROUGHPUT_RING);
  private readonly bytes = new Float64Array(THROUGHPUT_RING);
  private head = 0;
  private size = 0;
  private sum = 0;
  private newest = Number.NEGATIVE_INFINITY;
  private oldestEver = Number.NaN;

  add(arrivedMs: number, bytes: number): void {
    if (this.size === THROUGHPUT_RING) this.dropOldest();
    const tail = (this.head + this.size) % THROUGHPUT_RING;
    this.at[tail] = arrivedMs;
    this.bytes[tail] = bytes;
    this.size++;
    this.sum += bytes;
    if (Number.isNaN(this.oldestEver)) this.oldestEver = arrivedMs;
    if (arrivedMs > this.newest) this.newest = arrivedMs;
    const from = this.newest - THROUGHPUT_WINDOW_MS;
    while (this.size > 0 && !(this.at[this.head]! > from)) this.dropOldest();
  }

  private dropOldest(): void {
    this.sum -= this.bytes[this.head]!;
    this.head = (this.head + 1) % THROUGHPUT_RING;
    this.size--;
  }

  /** NaN until a whole window has been seen. */
  get bitsPerSecond(): number {
    if (Number.isNaN(this.oldestEver) || this.newest - this.oldestEver < THROUGHPUT_WINDOW_MS)
      return Number.NaN;
    return (Math.max(0, this.sum) * 8 * 1000) / THROUGHPUT_WINDOW_MS;
  }
}

export class BandwidthEstimator {
  private readonly trend = new DelayTrend();
  private readonly throughput = new ThroughputMeter();
  private delayBased: number;
  private lossBound = Number.POSITIVE_INFINITY;
  private rateState: 'hold' | 'increase' | 'decrease' = 'increase';
  private updatedAt = Number.NaN;
  private decreasedAt = Number.NEGATIVE_INFINITY;
  private overusingSince = Number.NaN;
  /** Throughput at the last overuses (smoothed) and its variance: the link capacity, if known. */
  private capacity = Number.NaN;
  private capacityVariance = 0.4;
  private lostCount = 0;
  private reportedCount = 0;
  private lossUpdatedAt = Number.NaN;
  private lossPeriodStart = Number.NaN;
  private lossDecreasedAt = Number.NEGATIVE_INFINITY;
  /** Overuses seen (for stats and tests). */
  overuses = 0;

  constructor(initialBps = INITIAL_ESTIMATE_BPS) {
    this.delayBased = clamp(initialBps);
  }

  /** The estimate, bits/s: the smaller of the delay-based one and the loss bound. */
  get estimate(): number {
    return clamp(Math.min(this.delayBased, this.lossBound));
  }

  get usage(): BandwidthUsage {
    return this.trend.state;
  }

  get ackedBitsPerSecond(): number {
    return this.throughput.bitsPerSecond;
  }

  /** A fraction of packets lost over the last loss period, for stats (NaN before one). */
  lossFraction = Number.NaN;

  /** The results of one feedback (transport-sends.ts), received at `nowMs` (SFU clock). */
  onFeedback(results: FeedbackResults, nowMs: number): void {
    const { count, sentAt, arrivedAt, bytes } = results;
    for (let i = 0; i < count; i++) {
      const arrived = arrivedAt[i]!;
      if (Number.isNaN(arrived)) continue;
      this.trend.add(sentAt[i]!, arrived);
      this.throughput.add(arrived, bytes[i]!);
    }
    this.updateLoss(results, nowMs);
    this.updateDelayBased(nowMs);
  }

  /**
   * A probe at `bitsPerSecond` got through without the detector seeing a queue grow: the path carries
   * at least that much (the caller decides what counts as a probe).
   */
  onProbeSucceeded(bitsPerSecond: number): void {
    if (this.trend.state === 'overusing' || !Number.isFinite(bitsPerSecond)) return;
    this.delayBased = clamp(Math.max(this.delayBased, bitsPerSecond));
    // The probe crossed with next to no loss: loss seen before (a link that has since cleared) no
    // longer holds the estimate below that rate, and is not judged again (as libwebrtc resets its
    // loss-based estimate to a probe's result). Else it crept up 8 %/s from the bottom while probe
    // after probe succeeded: video resumed 20 s late.
    if (this.lossBound < bitsPerSecond) {
      this.lossBound = bitsPerSecond;
      this.lossPeriodStart = Number.NaN;
    }
  }

  private updateDelayBased(nowMs: number): void {
    const elapsed = Number.isNaN(this.updatedAt) ? 0 : Math.max(0, Math.min(nowMs - this.updatedAt, 1000));
    this.updatedAt = nowMs;
    const usage = this.trend.queueDelayMs >= STANDING_QUEUE_MS ? 'overusing' : this.trend.state;
    const acked = this.throughput.bitsPerSecond;
    if (usage !== 'overusing') this.overusingSince = Number.NaN;
    else if (Number.isNaN(this.overusingSince)) this.overusingSince = nowMs;
    if (usage === 'overusing')
      this.rateState = nowMs - this.overusingSince >= OVERUSE_CONFIRM_MS ? 'decrease' : 'hold';
    else if (usage === 'underusing') this.rateState = 'hold';
    else if (this.rateState === 'hold' || this.rateState === 'decrease') this.rateState = 'increase';

    let next = this.delayBased;
    if (this.rateState === 'decrease') {
      if (nowMs - this.decreasedAt >= DECREASE_INTERVAL_MS) {
        this.decreasedAt = nowMs;
        this.overuses++;
        const basis = Number.isNaN(acked) ? next : acked;
        next = Math.min(next, BETA * basis);
        this.learnCapacity(basis);
      }
      this.rateState = 'hold';
    } else if (this.rateState === 'increase') {
      if (!Number.isNaN(this.capacity) && !Number.isNaN(acked)) {
        const deviation = 3 * Math.sqrt(this.capacityVariance * this.capacity);
        // Well above what the link carried at the last overuse: it changed, forget it.
        if (acked > this.capacity + deviation) this.capacity = Number.NaN;
      }
      next = Number.isNaN(this.capacity)
        ? next * INCREASE_PER_SECOND ** (elapsed / 1000)
        : next + (ADDITIVE_BPS_PER_S * elapsed) / 1000;
      if (!Number.isNaN(acked)) {
        const limit = ACKED_HEADROOM * acked + ACKED_HEADROOM_BPS;
        if (next > limit) next = Math.max(this.delayBased, limit);
      }
    }
    this.delayBased = clamp(next);
    if (this.lossBound > LOSS_BOUND_RELEASE * this.delayBased && this.lossBound !== Number.POSITIVE_INFINITY)
      this.lossBound = Number.POSITIVE_INFINITY;
  }

  /** Capacity in kbit/s units for the variance, as libwebrtc keeps it (a normalised deviation). */
  private learnCapacity(acked: number): void {
    const kbps = acked / 1000;
    if (Number.isNaN(this.capacity)) {
      this.capacity = acked;
      return;
    }
    const capacityKbps = this.capacity / 1000;
    const alpha = 0.05;
    const error = capacityKbps - kbps;
    const norm = Math.max(capacityKbps, 1);
    this.capacityVariance = Math.min(
      2.5,
      Math.max(0.4, (1 - alpha) * this.capacityVariance + (alpha * error * error) / norm),
    );
    this.capacity = ((1 - alpha) * capacityKbps + alpha * kbps) * 1000;
  }

  private updateLoss(results: FeedbackResults, nowMs: number): void {
    const received = results.count - results.lost;
    this.lostCount = Math.max(0, this.lostCount + results.lost - results.recovered);
    this.reportedCount += results.lost + Math.max(0, received - results.recovered);
    if (Number.isNaN(this.lossPeriodStart) || nowMs - this.decreasedAt < LOSS_AFTER_DECREASE_MS) {
      // Right after a delay-based decrease the loss still reflects the rate before it: not counted
      // again (a tail-drop queue overflowing at the onset of congestion halved the estimate twice).
      this.lossPeriodStart = nowMs;
      this.lostCount = 0;
      this.reportedCount = 0;
      return;
    }
    if (this.reportedCount < LOSS_MIN_PACKETS || nowMs - this.lossPeriodStart < LOSS_PERIOD_MS) return;
    this.lossPeriodStart = nowMs;
    const fraction = Math.min(1, this.lostCount / this.reportedCount);
    this.lossFraction = fraction;
    const elapsed = Number.isNaN(this.lossUpdatedAt)
      ? 0
      : Math.max(0, Math.min(nowMs - this.lossUpdatedAt, 1000));
    this.lossUpdatedAt = nowMs;
    this.lostCount = 0;
    this.reportedCount = 0;
    if (fraction > LOSS_HIGH) {
      if (nowMs - this.lossDecreasedAt < LOSS_DECREASE_INTERVAL_MS) return;
      this.lossDecreasedAt = nowMs;
      const basis = Math.min(this.lossBound, this.delayBased);
      this.lossBound = clamp(basis * (1 - 0.5 * fraction));
    } else if (fraction < LOSS_LOW && this.lossBound !== Number.POSITIVE_INFINITY) {
      this.lossBound = clamp(this.lossBound * INCREASE_PER_SECOND ** (elapsed / 1000) + 1000);
    }
  }
}

function clamp(bitsPerSecond: number): number {
  if (Number.isNaN(bitsPerSecond)) return MIN_ESTIMATE_BPS;
  return Math.min(MAX_ESTIMATE_BPS, Math.max(MIN_ESTIMATE_BPS, bitsPerSecond));
}
