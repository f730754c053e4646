/**
 * A subscribing bot with `subscriberTransportCc`, like a browser that negotiated transport-cc: it
 * notes the transport-wide number (id 3) and arrival time of every RTP packet on the subscribe
 * connection and sends the SFU transport feedback every 100 ms, which drives the SFU's estimate of
 * the downlink.
 */
import { readTransportSequence, TransportArrivals } from '@parley/sfu/transport';

/** The id the SFU's offers give the transport-cc extension on subscribe connections. */
const SFU_TRANSPORT_CC_ID = 3;
const FEEDBACK_EVERY_MS = 100;
/** Numbers kept for subscriberTransportSequences(). */
const KEPT_SEQUENCES = 100_000;
/** The longest queue the feedback reports, and how fast it drains once no longer growing (ms/s). */
const MAX_REPORTED_QUEUE_MS = 400;
const QUEUE_DRAIN_MS_PER_S = 500;

export class SubscriberTransportCc {
  /** The transport-wide numbers received, in arrival order. */
  readonly seen: number[] = [];
  private readonly arrivals = new TransportArrivals();
  private lastSsrc = 0;
  private clock: NodeJS.Timeout | null = null;
  /** Report all but one in this many packets lost (0: report what arrived), like a link dropping most. */
  reportedLossEvery = 0;
  private numbered = 0;
  /** A queue the feedback reports growing by this many ms each second (0: it drains), like a full link. */
  reportedQueueGrowth = 0;
  private queueMs = 0;
  private queueAt = Number.NaN;

  /** `send`: puts a feedback message on the subscribe connection. */
  constructor(
    private readonly rtcpSsrc: number,
    private readonly send: (message: Buffer) => void,
  ) {}

  /** An RTP packet arrived; the feedback clock starts with the first numbered one. */
  arrived(packet: Buffer): void {
    const sequence = readTransportSequence(packet, SFU_TRANSPORT_CC_ID);
    if (sequence < 0) return;
    const lost = this.reportedLossEvery > 0 && this.numbered++ % this.reportedLossEvery !== 0;
    if (!lost) this.arrivals.record(sequence, (performance.now() + this.reportedQueue()) * 1000);
    // Like libwebrtc: the feedback names the SSRC of the last packet (libdatachannel routes by it).
    this.lastSsrc = packet.readUInt32BE(8);
    if (this.seen.length < KEPT_SEQUENCES) this.seen.push(sequence);
    this.clock ??= setInterval(() => {
      for (const message of this.arrivals.takeFeedback(this.rtcpSsrc, this.lastSsrc)) this.send(message);
    }, FEEDBACK_EVERY_MS);
  }

  /** The reported queue now (ms): arrivals are stamped this much later than they came. */
  private reportedQueue(): number {
    const now = performance.now();
    const seconds = Number.isNaN(this.queueAt) ? 0 : (now - this.queueAt) / 1000;
    this.queueAt = now;
    const change = this.reportedQueueGrowth > 0 ? this.reportedQueueGrowth : -QUEUE_DRAIN_MS_PER_S;
    this.queueMs = Math.min(MAX_REPORTED_QUEUE_MS, Math.max(0, this.queueMs + change * seconds));
    return this.queueMs;
  }

  stop(): void {
    if (this.clock) clearInterval(this.clock);
  }
}
