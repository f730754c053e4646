// Privacy: keeps nothing personal (RTP timestamps and VP8 picture ids of one forwarded stream).

import { readVp8PictureId, writeUint32, writeVp8PictureId } from '../rtp/rtp.js';
import type { VideoCodec } from '../rtp/video-codec.js';
import type { ForwardedPacket } from './forwarded-packet.js';

/**
 * Simulcast towards one subscriber: keeps the RTP clock, the VP8 picture id and the TL0PICIDX it sees
 * continuous when the forwarded layer changes (each layer has its own), by offsets taken at the switch.
 */
export class LayerContinuity {
  private timestampOffset = 0;
  private lastTimestamp = -1;
  private pictureIdOffset = 0;
  private lastPictureId = -1;
  private tl0Offset = 0;
  private lastTl0 = -1;
  /** Where the fields sit in a cached packet being resent (reused). */
  private readonly descriptor = new Int32Array(2);

  /**
   * Another layer starts with a packet of publisher timestamp `timestamp`: the subscriber's clock goes
   * on one frame (at 30 fps) after the last packet it got; picture id and TL0PICIDX go on from the
   * last ones sent (their offsets are taken from the first packet of the layer that has them).
   */
  switchTo(timestamp: number): void {
    this.timestampOffset = (timestamp - ((this.lastTimestamp + 3000) >>> 0)) >>> 0;
    this.pictureIdOffset = -1;
    this.tl0Offset = -1;
  }

  /** The subscriber's RTP timestamp for a publisher timestamp of the current layer. */
  outgoingTimestamp(timestamp: number): number {
    return (timestamp - this.timestampOffset) >>> 0;
  }

  /**
   * Write this subscriber's RTP timestamp, VP8 picture id and TL0PICIDX into `packet`, from the
   * publisher's values (`pictureId`/`tl0` -1 when absent) and this subscription's offsets.
   */
  rewrite(packet: Buffer, descriptor: Int32Array, timestamp: number, pictureId: number, tl0: number): void {
    const outgoingTimestamp = (timestamp - this.timestampOffset) >>> 0;
    writeUint32(packet, 4, outgoingTimestamp);
    this.lastTimestamp = outgoingTimestamp;
    const pictureAt = descriptor[0]!;
    if (pictureAt >= 0 && pictureId >= 0) {
      if (this.pictureIdOffset < 0) {
        this.pictureIdOffset = this.lastPictureId < 0 ? 0 : (pictureId - this.lastPictureId - 1) & 0x7fff;
      }
      const outgoing = (pictureId - this.pictureIdOffset) & 0x7fff;
      writeVp8PictureId(packet, pictureAt, outgoing);
      this.lastPictureId = outgoing;
    }
    const tl0At = descriptor[1]!;
    if (tl0At >= 0 && tl0 >= 0) {
      if (this.tl0Offset < 0) this.tl0Offset = this.lastTl0 < 0 ? 0 : (tl0 - this.lastTl0 - 1) & 0xff;
      const outgoing = (tl0 - this.tl0Offset) & 0xff;
      packet[tl0At] = outgoing;
      this.lastTl0 = outgoing;
    }
  }

  /** rewrite() of the packet being fanned out, from the publisher's values read once (`older`: late). */
  rewriteForwarded(forwarded: ForwardedPacket, older = false): void {
    const { buffer, descriptor, timestamp, pictureId, tl0 } = forwarded;
    if (older) this.rewriteOlder(buffer, descriptor, timestamp, pictureId, tl0);
    else this.rewrite(buffer, descriptor, timestamp, pictureId, tl0);
  }

  /** rewrite() for a packet older than the last one sent: the last values stay as they are. */
  rewriteOlder(
    packet: Buffer,
    descriptor: Int32Array,
    timestamp: number,
    pictureId: number,
    tl0: number,
  ): void {
    const { lastTimestamp, lastPictureId, lastTl0 } = this;
    this.rewrite(packet, descriptor, timestamp, pictureId, tl0);
    this.lastTimestamp = lastTimestamp;
    this.lastPictureId = lastPictureId;
    this.lastTl0 = lastTl0;
  }

  /** A cached packet resent to this subscriber (its own copy): the publisher's values read from it. */
  rewriteCached(packet: Buffer, codec: VideoCodec): void {
    const descriptor = this.descriptor;
    codec.locatePictureFields(packet, descriptor);
    const pictureId = descriptor[0]! >= 0 ? readVp8PictureId(packet, descriptor[0]!) : -1;
    const tl0 = descriptor[1]! >= 0 ? packet[descriptor[1]!]! : -1;
    this.rewriteOlder(packet, descriptor, packet.readUInt32BE(4), pictureId, tl0);
  }
}
