import { TokenBucket } from '../forwarding/budgets.js';
import { BandwidthEstimator } from './bandwidth-estimator.js';
import { TransportSends } from './transport-sends.js';

/**
 * One subscribe connection's bandwidth: the transport-wide numbering of what the SFU sends on it
 * (TransportSends), the estimate from the subscriber's transport-cc feedback (BandwidthEstimator),
 * and probes. Pure apart from the clock its callers pass (`now`, ms).
 *
 * Probes: the estimate never grows far beyond what the subscriber was actually sent (see
 * bandwidth-estimator.ts), so a subscriber on a smaller layer than it wants, or with its video paused
 * for bandwidth, would stay there. A probe sends padding next to the media for PROBE_MS so that
 * media + padding reach PROBE_OVERSHOOT × the rate the next step needs; every packet sent meanwhile is tagged with the
 * probe's cluster. When the feedback has covered it: if the subscriber received it at ≥ 90 % of the
 * rate it was sent at, without loss beyond PROBE_MAX_LOSS and without the delay detector seeing a
 * queue grow, the path carries that rate and the estimate rises to it (and the next probe, for the
 * layer above, may follow PROBE_AGAIN_MS later); otherwise the next waits PROBE_AFTER_MS, twice as
 * long after each further failure, up to MAX_PROBE_AFTER_MS. A probe whose feedback already shows its
 * packets queueing (PROBE_ABORT_QUEUE_MS) or lost stops there, failed: on a full link a failed probe
 * costs the subscriber a queue of one or two feedback intervals of the excess rate, not PROBE_MS of
 * it, and never a layer it cannot carry.
 */

/** Feedback messages handled per connection: a burst, then per second (Chromium sends ≤ ~20/s). */
const FEEDBACK_BURST = 40;
const FEEDBACK_PER_SECOND = 50;
/** Without feedback for this long the estimate is not used (REMB, if any, takes over). */
const FEEDBACK_TIMEOUT_MS = 2000;
const PROBE_MS = 300;
/** After the probe, its last packets' feedback is waited for this long before it is judged. */
const PROBE_SETTLE_MS = 400;
const PROBE_AFTER_MS = 4000;
/**
 * Failed probes back off to this at most: a link capped for a while and then freed is found again
 * within this (with 64 s, bench/quality.ts's capped viewer was still at 180p 25 s after the cap went;
 * with 16 s, still not at 720p 25 s after). Failed probes are cheap since they stop early.
 */
const MAX_PROBE_AFTER_MS = 8000;
/**
 * A running probe stops, failed, when its packets' one-way delay has grown this much since its first
 * packet (a queue building up: behind a full 300 kbit/s link the first feedback shows 40–80 ms), or
 * when more than PROBE_MAX_LOSS of its packets reported so far were lost (at least PROBE_ABORT_LOST).
 */
const PROBE_ABORT_QUEUE_MS = 40;
const PROBE_ABORT_LOST = 2;
/** No probe this soon after an overuse. */
const PROBE_QUIET_MS = 3000;
const PROBE_MAX_LOSS = 0.05;
/** A probe aims this far above the rate asked for: what it measures comes out a little below. */
const PROBE_OVERSHOOT = 1.1;
/** After a probe that raised the estimate, the next may follow this soon (the layers above). */
const PROBE_AGAIN_MS = 2000;
/**
 * A successful probe shows what the path carries for this long (ms): time enough for the layer it was
 * for to be resumed at the publisher, arrive, and be switched to (LayerSelector steps up only onto
 * what the path has carried, see proven()).
 */
const PROBE_PROOF_MS = 5000;
/** Padding packets carry at most this many bytes of padding each. */
export const PADDING_BYTES = 255;
/** Padding packets sent at once at most (after a media packet, or on the pacer's tick). */
export const PADDING_BURST = 8;

/** Where a probe's padding goes: a video's streams (ProbePadding). */
export interface ProbeCarrier {
  /** Right after a media packet of the connection, with that packet's RTP timestamp. */
  send(timestamp: number): void;
  /** Between media packets (the pacer): what the probe owes by now. */
  pad(): void;
}

export class SubscriberBandwidth {
  readonly sends = new TransportSends();
  readonly estimator = new BandwidthEstimator();
  private readonly feedbackBudget: TokenBucket;
  private lastFeedbackAt = Number.NEGATIVE_INFINITY;
  private lastOveruseAt = Number.NEGATIVE_INFINITY;
  private overusesSeen = 0;
  /** Pads the running probe after any packet of the connection, when set (a video paused for bandwidth). */
  probeCarrier: ProbeCarrier | null = null;
  /** Feedback refused by the budget, or malformed. */
  feedbackRefused = 0;
  feedbackMalformed = 0;

  /** The probe running or being judged (cluster 0: none), its padding rate and owed padding bytes. */
  private cluster = 0;
  private nextCluster = 1;
  private probeStartedAt = 0;
  private probeEndsAt = 0;
  private paddingBps = 0;
  private paddingOwed = 0;
  private paddingAccruedAt = 0;
  private probeTargetBps = 0;
  private probeOverused = false;
  /** One-way delay (its clock − the SFU's) of the probe's first packet, and the largest rise above it. */
  private probeFirstDelay = Number.NaN;
  private probeDelayRise = 0;
  private probeSentBytes = 0;
  private probeFirstSent = Number.NaN;
  private probeLastSent = Number.NaN;
  private probeReceivedBytes = 0;
  private probeFirstBytes = 0;
  private probeFirstArrival = Number.NaN;
  private probeLastArrival = Number.NaN;
  private probeReceived = 0;
  private probeLost = 0;
  private probeAfter = PROBE_AFTER_MS;
  private nextProbeAt = 0;
  /** Probes that raised the estimate, and those that did not (stats, tests). */
  probesSucceeded = 0;
  probesFailed = 0;
  /** Probes stopped early (queue or loss), counted within probesFailed. */
  probesAborted = 0;
  /** The rate the last successful probe got through at, and when it was judged (ms). */
  private provenByProbeBps = 0;
  private provenByProbeAt = Number.NEGATIVE_INFINITY;

  constructor(
    now: number,
    /** Called after each feedback that was read: the estimate may have changed. */
    private readonly onEstimate: () => void = () => {},
    /** The plane's counters (feedbackStats), if any. */
    private readonly counters: {
      subscriberFeedbackRead: number;
      subscriberFeedbackRefused: number;
    } | null = null,
  ) {
    this.feedbackBudget = new TokenBucket(FEEDBACK_BURST, FEEDBACK_PER_SECOND, now);
    // The first probe soon: the start estimate is a guess, and a layer the guess did not cover waits.
    this.nextProbeAt = now + PROBE_AGAIN_MS;
  }

  /** The estimate, bits/s. */
  get estimate(): number {
    return this.estimator.estimate;
  }

  /**
   * What the path has been seen to carry, bits/s: the throughput the subscriber acknowledges now, or
   * the rate a probe got through at within the last PROBE_PROOF_MS, whichever is more. The estimate
   * may run ahead of it (growth allows 1.5 × what is acknowledged); a larger layer is a step of double
   * the bitrate, and taken on that headroom alone it froze the picture on a capped link (bench:
   * 180p → 360p once or twice in 30 s behind 300 kbit/s). So a step up waits for this to cover it.
   */
  proven(now: number): number {
    const acked = this.estimator.ackedBitsPerSecond;
    const byProbe = now - this.provenByProbeAt <= PROBE_PROOF_MS ? this.provenByProbeBps : 0;
    return Math.max(Number.isNaN(acked) ? 0 : acked, byProbe);
  }

  /** Feedback arrived lately: the estimate stands for this connection. */
  active(now: number): boolean {
    return now - this.lastFeedbackAt < FEEDBACK_TIMEOUT_MS;
  }

  /**
   * One transport-cc feedback message from the subscriber (`length` bytes at `offset` of `message`).
   * Never throws; a flood beyond the budget and malformed messages are counted and ignored.
   */
  receiveFeedback(message: Uint8Array, offset: number, length: number, now: number): void {
    const counters = this.counters;
    if (!this.feedbackBudget.take(1, now)) {
      this.feedbackRefused++;
      if (counters) counters.subscriberFeedbackRefused++;
      return;
    }
    const sends = this.sends;
    if (!sends.readFeedback(message, offset, length)) {
      this.feedbackMalformed++;
      if (counters) counters.subscriberFeedbackRefused++;
      return;
    }
    if (counters) counters.subscriberFeedbackRead++;
    this.lastFeedbackAt = now;
    const results = sends.results;
    this.estimator.onFeedback(results, now);
    if (this.estimator.overuses !== this.overusesSeen) {
      this.overusesSeen = this.estimator.overuses;
      this.lastOveruseAt = now;
      if (this.cluster !== 0) this.probeOverused = true;
    }
    if (this.cluster !== 0) this.measureProbe(now);
    this.onEstimate();
  }

  // --- probes ---

  /** A probe is sending padding now. */
  get probing(): boolean {
    return this.paddingBps > 0;
  }

  /**
   * Probe for `targetBps` if one may run now: none running, none lately failed, no overuse lately.
   * `currentBps` is what the media alone sends now (the padding makes up the rest).
   */
  maybeProbe(targetBps: number, currentBps: number, now: number): boolean {
    // A probe whose feedback never came is given up as failed.
    if (this.cluster !== 0 && now > this.probeEndsAt + 3000) this.endProbe(false, now, 0);
    if (this.cluster !== 0 || now < this.nextProbeAt || now - this.lastOveruseAt < PROBE_QUIET_MS)
      return false;
    if (!this.active(now) || !(targetBps > currentBps)) return false;
    this.cluster = this.nextCluster;
    this.nextCluster = (this.nextCluster % 0xffff) + 1;
    this.sends.cluster = this.cluster;
    this.probeTargetBps = targetBps * PROBE_OVERSHOOT;
    this.paddingBps = this.probeTargetBps - currentBps;
    this.paddingOwed = 0;
    this.paddingAccruedAt = now;
    this.probeStartedAt = now;
    this.probeEndsAt = now + PROBE_MS;
    this.probeOverused = false;
    this.probeFirstDelay = Number.NaN;
    this.probeDelayRise = 0;
    this.probeSentBytes = 0;
    this.probeFirstSent = Number.NaN;
    this.probeLastSent = Number.NaN;
    this.probeReceivedBytes = 0;
    this.probeFirstBytes = 0;
    this.probeFirstArrival = Number.NaN;
    this.probeLastArrival = Number.NaN;
    this.probeReceived = 0;
    this.probeLost = 0;
    return true;
  }

  /** Bytes of padding the running probe owes now (0 when none runs); ends the probe when it is over. */
  paddingDue(now: number): number {
    if (this.paddingBps === 0) return 0;
    if (now >= this.probeEndsAt) {
      this.paddingBps = 0;
      this.sends.cluster = 0;
      return 0;
    }
    // Owed at most PADDING_BURST packets' worth: a burst would read as a queue.
    this.paddingOwed = Math.min(
      this.paddingOwed + (this.paddingBps * (now - this.paddingAccruedAt)) / 8000,
      PADDING_BURST * PADDING_BYTES,
    );
    this.paddingAccruedAt = now;
    return this.paddingOwed >= PADDING_BYTES ? this.paddingOwed : 0;
  }

  /** A padding packet of `bytes` went out. */
  paddingSent(bytes: number): void {
    this.paddingOwed = Math.max(0, this.paddingOwed - bytes);
  }

  private measureProbe(now: number): void {
    const { count, cluster, sentAt, arrivedAt, bytes } = this.sends.results;
    for (let i = 0; i < count; i++) {
      if (cluster[i] !== this.cluster) continue;
      const sent = sentAt[i]!;
      if (Number.isNaN(this.probeFirstSent) || sent < this.probeFirstSent) this.probeFirstSent = sent;
      if (Number.isNaN(this.probeLastSent) || sent > this.probeLastSent) this.probeLastSent = sent;
      this.probeSentBytes += bytes[i]!;
      const arrived = arrivedAt[i]!;
      if (Number.isNaN(arrived)) {
        this.probeLost++;
        continue;
      }
      this.probeReceived++;
      this.probeReceivedBytes += bytes[i]!;
      const delay = arrived - sent;
      if (Number.isNaN(this.probeFirstDelay)) this.probeFirstDelay = delay;
      else if (delay - this.probeFirstDelay > this.probeDelayRise)
        this.probeDelayRise = delay - this.probeFirstDelay;
      if (Number.isNaN(this.probeFirstArrival) || arrived < this.probeFirstArrival) {
        this.probeFirstArrival = arrived;
        this.probeFirstBytes = bytes[i]!;
      }
      if (Number.isNaN(this.probeLastArrival) || arrived > this.probeLastArrival)
        this.probeLastArrival = arrived;
    }
    if (this.failingEarly()) {
      this.probesAborted++;
      this.endProbe(false, now, 0);
      return;
    }
    if (now < this.probeEndsAt + PROBE_SETTLE_MS) return;
    // Judge it: rates over the spans, the first packet's bytes not counted on the receiving side.
    const sendSpan = this.probeLastSent - this.probeFirstSent;
    const receiveSpan = this.probeLastArrival - this.probeFirstArrival;
    const sendBps = sendSpan > 0 ? (this.probeSentBytes * 8000) / sendSpan : Number.NaN;
    const receiveBps =
      receiveSpan > 0 ? ((this.probeReceivedBytes - this.probeFirstBytes) * 8000) / receiveSpan : Number.NaN;
    const reported = this.probeReceived + this.probeLost;
    const succeeded =
      !this.probeOverused &&
      reported > 0 &&
      this.probeLost / reported <= PROBE_MAX_LOSS &&
      sendSpan >= PROBE_MS / 2 &&
      receiveBps >= 0.9 * sendBps &&
      sendBps >= 0.9 * this.probeTargetBps;
    this.endProbe(succeeded, now, Math.min(sendBps, receiveBps));
  }

  /** The probe's packets already queue up or get lost: going on would only add to that. */
  private failingEarly(): boolean {
    const reported = this.probeReceived + this.probeLost;
    if (reported === 0) return false;
    if (this.probeOverused || this.probeDelayRise >= PROBE_ABORT_QUEUE_MS) return true;
    return this.probeLost >= PROBE_ABORT_LOST && this.probeLost / reported > PROBE_MAX_LOSS;
  }

  private endProbe(succeeded: boolean, now: number, measuredBps: number): void {
    this.cluster = 0;
    this.sends.cluster = 0;
    this.paddingBps = 0;
    if (succeeded) {
      this.probesSucceeded++;
      this.estimator.onProbeSucceeded(measuredBps);
      this.provenByProbeBps = measuredBps;
      this.provenByProbeAt = now;
      this.probeAfter = PROBE_AFTER_MS;
      this.nextProbeAt = now + PROBE_AGAIN_MS;
    } else {
      this.probesFailed++;
      this.nextProbeAt = now + this.probeAfter;
      this.probeAfter = Math.min(2 * this.probeAfter, MAX_PROBE_AFTER_MS);
    }
  }

  /** When the running probe began (for stats). */
  get probeStarted(): number {
    return this.probeStartedAt;
  }
}
