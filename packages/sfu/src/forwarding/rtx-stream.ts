// Privacy: keeps nothing personal (an SSRC and a sequence number).

import { randomInt } from 'node:crypto';
import { PacketCache } from '../rtp/packet-cache.js';
import { writeRetransmission } from '../rtp/rtx.js';

/**
 * RFC 4588 towards one subscriber (video with an RTX SSRC, once its answer accepted the RTX payload
 * type): NACK answers and probe padding go on this stream, numbered in its own sequence.
 */
export class RtxStream {
  /** The subscriber's answer kept the RTX payload type the offer paired with the video (§8.6). */
  accepted = false;
  /** The stream's next sequence number (a random start). */
  sequence = randomInt(0, 0x10000);
  /** The RTX form of a retransmission is written here (allocated at the first one). */
  private packet: Buffer | null = null;

  constructor(
    /** The RTX SSRC offered in the m-line's `a=ssrc-group:FID` (0: no RTX offered). */
    readonly ssrc: number,
    /** The RTX payload type of the video's codec (video-codec.ts). */
    readonly payloadType: number,
  ) {}

  /**
   * The RTX form of `packet` (§4), whose header is the subscriber's already: the RTX SSRC and payload
   * type, this stream's next sequence number, the packet's own number (OSN) before its payload.
   */
  wrap(packet: Buffer): Buffer | null {
    this.packet ??= Buffer.allocUnsafe(PacketCache.SLOT_SIZE + 2);
    return writeRetransmission(packet, this.packet, this.ssrc, this.payloadType, this.sequence);
  }

  /** A packet went out on the stream. */
  advance(): void {
    this.sequence = (this.sequence + 1) & 0xffff;
  }
}
