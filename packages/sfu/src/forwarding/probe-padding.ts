// Privacy: keeps nothing personal (a padding packet).

import { writeSequenceAndSsrc, writeUint32 } from '../rtp/rtp.js';
import type { SequenceRewriter } from '../rtp/sequence-rewriter.js';
import { PADDING_BURST, PADDING_BYTES, type SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import { SUBSCRIBER_TRANSPORT_CC_ID } from '../transport/transport-sends.js';
import type { OutgoingTrack } from './outgoing-track.js';
import type { RtxStream } from './rtx-stream.js';

/**
 * A bandwidth probe's padding on one video subscription (subscriber-bandwidth.ts): padding-only RTP
 * packets sent right after a media packet (so they are spread like the media), numbered in the
 * video's sequence (the receiver counts and drops them, as it does libwebrtc's own padding) or, with
 * RTX, on the RTX stream as libwebrtc pads, and in the connection's transport-wide sequence (that is
 * what they are for).
 *
 * A video paused for bandwidth sends no media to follow, and its probe is what can resume it: while
 * paused, its padding follows the packets of the connection's other tracks
 * (`SubscriberBandwidth.probeCarrier`, chosen by DownlinkShares) — on its RTX stream, or without RTX
 * in its own sequence, where the receiver drops padding-only packets and the resumed video's next
 * packet follows the last padding (libwebrtc pads the same way when RTX is not negotiated). Without
 * that, a subscriber whose estimate had fallen with its video (only audio acknowledged, nothing above
 * 1.5 × that reachable) stayed paused for good.
 */
export class ProbePadding {
  /** Allocated at the first probe. */
  private packet: Buffer | null = null;
  /** The RTP timestamp of the last media packet padding followed (NaN: none yet). */
  private timestamp = Number.NaN;

  constructor(
    private readonly track: OutgoingTrack,
    private readonly bandwidth: SubscriberBandwidth,
    private readonly ssrc: number,
    /** The video's publication: its codec's payload type, read when a probe pads. */
    private readonly publication: { readonly codec: { readonly payloadType: number } },
    private readonly sequences: SequenceRewriter,
    readonly rtx: RtxStream,
  ) {}

  /**
   * Send the padding the probe owes now, at most PADDING_BURST packets, with the RTP `timestamp` of
   * the media packet just sent.
   */
  send(timestamp: number): void {
    this.timestamp = timestamp;
    this.pad();
  }

  /**
   * Send the padding the probe owes now (ProbePacer, between media packets), with the timestamp of the
   * last media packet padded after (libwebrtc pads with the last one too); nothing before there is one.
   */
  pad(): void {
    const { track, bandwidth, ssrc, sequences, rtx, timestamp } = this;
    if (Number.isNaN(timestamp)) return;
    const payloadType = this.publication.codec.payloadType;
    const now = performance.now();
    for (let i = 0; i < PADDING_BURST && bandwidth.paddingDue(now) > 0; i++) {
      const onRtx = rtx.accepted;
      const sequence = onRtx ? rtx.sequence : sequences.insert();
      if (sequence < 0) return;
      this.packet ??= paddingPacket(payloadType);
      const packet = this.packet;
      packet[1] = onRtx ? rtx.payloadType : payloadType;
      writeUint32(packet, 4, timestamp);
      writeSequenceAndSsrc(packet, sequence, onRtx ? rtx.ssrc : ssrc);
      const transport = bandwidth.sends.nextSequence;
      packet[17] = transport >> 8;
      packet[18] = transport & 0xff;
      if (!track.sendAsIs(packet)) return;
      if (onRtx) rtx.advance();
      bandwidth.sends.sent(packet.length, now);
      bandwidth.paddingSent(packet.length);
    }
  }
}

/**
 * A padding-only RTP packet for probes: the video's payload type, the transport-wide sequence number
 * extension (value at bytes 17–18), PADDING_BYTES of padding (RFC 3550: the last byte counts them).
 */
export function paddingPacket(payloadType: number): Buffer {
  const packet = Buffer.alloc(12 + 8 + PADDING_BYTES);
  packet[0] = 0x80 | 0x20 | 0x10; // V=2, padding, extension
  packet[1] = payloadType;
  packet[12] = 0xbe;
  packet[13] = 0xde;
  packet[15] = 1; // one word of extensions
  packet[16] = (SUBSCRIBER_TRANSPORT_CC_ID << 4) | 1;
  packet[packet.length - 1] = PADDING_BYTES;
  return packet;
}
