/**
 * The delay-based half of a subscriber's bandwidth estimate, in the spirit of Google Congestion Control
 * (draft-ietf-rmcat-gcc-02; the constants are the draft's and libwebrtc's defaults):
 *
 * 1. Packets sent within BURST_MS of each other form a group. For each pair of consecutive groups
 *    the inter-group delay variation is d = (arrival gap) − (send gap): positive while a queue on the
 *    path grows, about zero when the path keeps up.
 * 2. A trendline filter: the accumulated delay variation, exponentially smoothed, and the slope of a
 *    least-squares line through its last WINDOW points against arrival time. A positive slope means
 *    the queue keeps growing.
 * 3. An overuse detector compares the slope (scaled by the number of samples and GAIN) with an
 *    adaptive threshold γ: above γ for OVERUSE_TIME_MS (and still rising) → overusing; below −γ →
 *    underusing (a queue draining); else normal. Overusing also needs a queue of at least
 *    MIN_QUEUE_DELAY_MS (the one-way delay above its recent minimum). γ follows |slope| slowly (K_UP, K_DOWN), so a path
 *    with a noisy but steady delay does not read as congested, and a sudden jump is not learnt away.
 *
 * Pure: times come in with the packets (the sender's and the subscriber's clocks, ms), nothing is
 * allocated per packet.
 */

export type BandwidthUsage = 'normal' | 'overusing' | 'underusing';

/** Packets sent this close together are one group (a frame's packets, a pacer burst). */
const BURST_MS = 5;
const WINDOW = 20;
const SMOOTHING = 0.9;
const GAIN = 4;
/** The slope is scaled by at most this many samples (a young filter counts less). */
const MAX_SAMPLE_WEIGHT = 60;
const INITIAL_THRESHOLD = 12.5;
const MIN_THRESHOLD = 6;
const MAX_THRESHOLD = 600;
const K_UP = 0.0087;
const K_DOWN = 0.039;
/** The threshold does not adapt to a slope this far beyond it (a real change, not noise). */
const MAX_ADAPT_OFFSET = 15;
const OVERUSE_TIME_MS = 10;
/**
 * Overuse also needs a queue: the one-way delay (arrival − send, clocks unsynchronised but steady) this
 * far above its minimum over the last BASE_DELAY_WINDOW_MS. A receiver starved of CPU time stamps its
 * arrivals late in bursts, and the slope alone then reads as congestion (seen on a loaded test
 * machine: an unshaped viewer's estimate halved with no queue anywhere).
 */
const MIN_QUEUE_DELAY_MS = 50;
const BASE_DELAY_BUCKET_MS = 1000;
const BASE_DELAY_BUCKETS = 10;
/** A delay variation beyond this is a clock jump or nonsense (forged feedback): start over. */
const MAX_DELAY_VARIATION_MS = 3000;

export class DelayTrend {
  /** The group being filled: first and last send time, last arrival (NaN: none). */
  private groupFirstSent = Number.NaN;
  private groupLastSent = Number.NaN;
  private groupArrived = Number.NaN;
  /** The group before it (completed). */
  private previousSent = Number.NaN;
  private previousArrived = Number.NaN;

  private accumulated = 0;
  private smoothed = 0;
  private firstArrival = Number.NaN;
  private readonly times = new Float64Array(WINDOW);
  private readonly delays = new Float64Array(WINDOW);
  private filled = 0;
  private head = 0;
  private samples = 0;
  private trend = 0;
  private previousTrend = 0;

  private thresholdValue = INITIAL_THRESHOLD;
  private thresholdUpdatedAt = Number.NaN;
  private timeOverUsing = -1;
  private overuseCount = 0;
  private usage: BandwidthUsage = 'normal';
  /** Minimum one-way delay per bucket of arrival time (a windowed minimum), and the delay above it. */
  private readonly bucketMin = new Float64Array(BASE_DELAY_BUCKETS).fill(Number.POSITIVE_INFINITY);
  private bucketStart = Number.NaN;
  private bucket = 0;
  private queueDelay = 0;

  /** The detector's verdict after the last group. */
  get state(): BandwidthUsage {
    return this.usage;
  }

  /** How far the last group's one-way delay is above the recent minimum (ms): the queue. */
  get queueDelayMs(): number {
    return this.queueDelay;
  }

  /** The adaptive threshold γ (ms), for tests and stats. */
  get threshold(): number {
    return this.thresholdValue;
  }

  /** One packet reported received: sent at `sentMs` (SFU clock), arrived at `arrivedMs` (its clock). */
  add(sentMs: number, arrivedMs: number): void {
    if (Number.isNaN(this.groupFirstSent)) {
      this.startGroup(sentMs, arrivedMs);
      return;
    }
    if (sentMs < this.groupFirstSent) return; // reordered from an older group: ignored
    if (sentMs - this.groupFirstSent <= BURST_MS) {
      if (sentMs > this.groupLastSent) this.groupLastSent = sentMs;
      if (arrivedMs > this.groupArrived) this.groupArrived = arrivedMs;
      return;
    }
    // A new group: the one just completed is compared with the one before it.
    this.measureQueue(this.groupLastSent, this.groupArrived);
    if (!Number.isNaN(this.previousSent)) {
      const sendGap = this.groupLastSent - this.previousSent;
      const arrivalGap = this.groupArrived - this.previousArrived;
      const variation = arrivalGap - sendGap;
      if (Math.abs(variation) > MAX_DELAY_VARIATION_MS || !Number.isFinite(variation)) this.reset();
      else this.update(variation, this.groupArrived, sendGap);
    }
    this.previousSent = this.groupLastSent;
    this.previousArrived = this.groupArrived;
    this.startGroup(sentMs, arrivedMs);
  }

  /** The windowed minimum one-way delay, and the queue delay of a group ending with this packet. */
  private measureQueue(sentMs: number, arrivedMs: number): void {
    const delay = arrivedMs - sentMs;
    if (!Number.isFinite(delay)) return;
    if (Number.isNaN(this.bucketStart) || arrivedMs < this.bucketStart) {
      this.bucketMin.fill(Number.POSITIVE_INFINITY);
      this.bucketStart = arrivedMs;
      this.bucket = 0;
    }
    // Move on a bucket per BASE_DELAY_BUCKET_MS of arrival time (at most a whole window's worth).
    for (let moved = 0; arrivedMs - this.bucketStart >= BASE_DELAY_BUCKET_MS; moved++) {
      this.bucketStart += BASE_DELAY_BUCKET_MS;
      if (moved >= BASE_DELAY_BUCKETS) {
        this.bucketStart = arrivedMs;
        continue;
      }
      this.bucket = (this.bucket + 1) % BASE_DELAY_BUCKETS;
      this.bucketMin[this.bucket] = Number.POSITIVE_INFINITY;
    }
    if (delay < this.bucketMin[this.bucket]!) this.bucketMin[this.bucket] = delay;
    let base = Number.POSITIVE_INFINITY;
    for (let i = 0; i < BASE_DELAY_BUCKETS; i++) if (this.bucketMin[i]! < base) base = this.bucketMin[i]!;
    this.queueDelay = delay - base;
  }

  private startGroup(sentMs: number, arrivedMs: number): void {
    this.groupFirstSent = sentMs;
    this.groupLastSent = sentMs;
    this.groupArrived = arrivedMs;
  }

  /** Forget the filter (after a nonsensical jump); the threshold stays. */
  private reset(): void {
    this.accumulated = 0;
    this.smoothed = 0;
    this.firstArrival = Number.NaN;
    this.filled = 0;
    this.head = 0;
    this.samples = 0;
    this.trend = 0;
    this.previousTrend = 0;
    this.timeOverUsing = -1;
    this.overuseCount = 0;
    this.usage = 'normal';
  }

  private update(variation: number, arrivedMs: number, sendGap: number): void {
    this.samples = Math.min(this.samples + 1, 1000);
    this.accumulated += variation;
    this.smoothed = SMOOTHING * this.smoothed + (1 - SMOOTHING) * this.accumulated;
    if (Number.isNaN(this.firstArrival)) this.firstArrival = arrivedMs;
    this.times[this.head] = arrivedMs - this.firstArrival;
    this.delays[this.head] = this.smoothed;
    this.head = (this.head + 1) % WINDOW;
    if (this.filled < WINDOW) this.filled++;
    if (this.filled === WINDOW) {
      const slope = this.slope();
      if (!Number.isNaN(slope)) this.trend = slope;
    }
    this.detect(sendGap, arrivedMs);
  }

  /** Least-squares slope of the smoothed delay against arrival time over the window (NaN: flat time). */
  private slope(): number {
    let meanTime = 0;
    let meanDelay = 0;
    for (let i = 0; i < WINDOW; i++) {
      meanTime += this.times[i]!;
      meanDelay += this.delays[i]!;
    }
    meanTime /= WINDOW;
    meanDelay /= WINDOW;
    let numerator = 0;
    let denominator = 0;
    for (let i = 0; i < WINDOW; i++) {
      const dt = this.times[i]! - meanTime;
      numerator += dt * (this.delays[i]! - meanDelay);
      denominator += dt * dt;
    }
    return denominator === 0 ? Number.NaN : numerator / denominator;
  }

  private detect(sendGap: number, nowMs: number): void {
    if (this.samples < 2) {
      this.usage = 'normal';
      return;
    }
    const trend = this.trend;
    const modified = Math.min(this.samples, MAX_SAMPLE_WEIGHT) * trend * GAIN;
    if (modified > this.thresholdValue) {
      this.timeOverUsing = this.timeOverUsing < 0 ? sendGap / 2 : this.timeOverUsing + sendGap;
      this.overuseCount++;
      if (
        this.timeOverUsing > OVERUSE_TIME_MS &&
        this.overuseCount > 1 &&
        trend >= this.previousTrend &&
        this.queueDelay >= MIN_QUEUE_DELAY_MS
      ) {
        this.timeOverUsing = 0;
        this.overuseCount = 0;
        this.usage = 'overusing';
      }
    } else if (modified < -this.thresholdValue) {
      this.timeOverUsing = -1;
      this.overuseCount = 0;
      this.usage = 'underusing';
    } else {
      this.timeOverUsing = -1;
      this.overuseCount = 0;
      this.usage = 'normal';
    }
    this.previousTrend = trend;
    this.adaptThreshold(modified, nowMs);
  }

  private adaptThreshold(modified: number, nowMs: number): void {
    if (Number.isNaN(this.thresholdUpdatedAt)) this.thresholdUpdatedAt = nowMs;
    const magnitude = Math.abs(modified);
    if (magnitude > this.thresholdValue + MAX_ADAPT_OFFSET) {
      this.thresholdUpdatedAt = nowMs;
      return;
    }
    const k = magnitude < this.thresholdValue ? K_DOWN : K_UP;
    const elapsed = Math.max(0, Math.min(nowMs - this.thresholdUpdatedAt, 100));
    const next = this.thresholdValue + k * (magnitude - this.thresholdValue) * elapsed;
    this.thresholdValue = Math.min(MAX_THRESHOLD, Math.max(MIN_THRESHOLD, next));
    this.thresholdUpdatedAt = nowMs;
  }
}
