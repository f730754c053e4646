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

export class SubscriberTransportCc {
  /** The transport-wide numbers received, in arrival order. */
  readonly seen: number[] = [];
  private readonly arrivals = new TransportArrivals();
  private lastSsrc = 0;
  private clock: NodeJS.Timeout | null = null;
  /** Report all but one in this many packets lost (0: report what arrived), like a link dropping most. */
  reportedLossEvery = 0;
  private numbered = 0;

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
    if (!lost) this.arrivals.record(sequence, performance.now() * 1000);
    // Like libwebrtc: the feedback names the SSRC of the last packet (libdatachannel routes by it).
    this.lastSsrc = packet.readUInt32BE(8);
    if (this.seen.length < KEPT_SEQUENCES) this.seen.push(sequence);
    this.clock ??= setInterval(() => {
      for (const message of this.arrivals.takeFeedback(this.rtcpSsrc, this.lastSsrc)) this.send(message);
    }, FEEDBACK_EVERY_MS);
  }

  stop(): void {
    if (this.clock) clearInterval(this.clock);
  }
}
