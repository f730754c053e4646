/**
 * A subscribing bot with `subscriberRtx`: the SFU's RFC 4588 retransmissions arrive on RTX SSRCs and
 * are turned back into the packets they repeat; what came (and whether each RTX stream numbered its
 * packets without gaps) is kept for the tests.
 */
import { restoreRetransmission } from '@parley/sfu/rtp';

/** What a subscriber bot with subscriberRtx received on RTX streams. */
export interface RtxReceived {
  /** Retransmissions unwrapped, and padding-only RTX packets. */
  retransmissions: number;
  padding: number;
  /** The OSN of each retransmission, in arrival order (the first 10,000). */
  originalSequences: number[];
  /** RTX SSRCs seen, and RTX sequence numbers that did not follow the previous one of their SSRC. */
  ssrcs: Set<number>;
  sequenceJumps: number;
}

/** The payload type of the media RTX repairs (the SFU's VP8 towards subscribers). */
const VP8_PAYLOAD_TYPE = 96;

export class RtxReception {
  readonly received: RtxReceived = {
    retransmissions: 0,
    padding: 0,
    originalSequences: [],
    ssrcs: new Set(),
    sequenceJumps: 0,
  };
  private readonly lastSequence = new Map<number, number>();

  /** An RTX packet: noted, and turned back into the packet it repeats (null for padding). */
  unwrap(packet: Buffer, mediaSsrc: number): Buffer | null {
    const rtx = this.received;
    const rtxSsrc = packet.readUInt32BE(8);
    const sequence = packet.readUInt16BE(2);
    const last = this.lastSequence.get(rtxSsrc);
    if (last !== undefined && sequence !== ((last + 1) & 0xffff)) rtx.sequenceJumps++;
    this.lastSequence.set(rtxSsrc, sequence);
    rtx.ssrcs.add(rtxSsrc);
    const restored = restoreRetransmission(Buffer.from(packet), mediaSsrc, VP8_PAYLOAD_TYPE);
    if (restored === null) {
      rtx.padding++;
      return null;
    }
    rtx.retransmissions++;
    if (rtx.originalSequences.length < 10_000) rtx.originalSequences.push(restored.readUInt16BE(2));
    return restored;
  }

  /** A copy, so that the caller's view does not change under it. */
  snapshot(): RtxReceived {
    return {
      ...this.received,
      originalSequences: [...this.received.originalSequences],
      ssrcs: new Set(this.received.ssrcs),
    };
  }
}
