/**
 * How a publishing bot answers the SFU's NACKs: with plain retransmissions (same SSRC and sequence
 * number, as Chromium does without RTX) or, with `rtx`, as RFC 4588 retransmissions on each layer's
 * RTX SSRC; and, with `rtxPadding`, the padding-only RTX packets Chromium probes bandwidth with.
 */
import { rtpPayloadOffset } from '@parley/sfu/rtp';
import { REPAIRED_RID_EXTENSION_ID, RID_EXTENSION_ID, RTX_PAYLOAD_TYPE } from './chromium-offer.js';
import { HISTORY_SIZE, type SendingStream } from './sending-stream.js';

/** Padding bytes of one padding-only RTX packet. */
const PADDING_BYTES = 224;

export class Retransmitter {
  /** Sequence numbers the SFU NACKed, and those sent again. */
  readonly nacks = { requested: 0, resent: 0 };
  /** With rtx: retransmissions and padding-only packets sent on the RTX SSRCs. */
  readonly rtxSent = { retransmissions: 0, padding: 0 };

  /** `rtx`: answer on the RTX streams (RFC 4588) rather than with the original packets. */
  constructor(private readonly rtx: boolean) {}

  /** Send the packets `lost` of the layer `ssrc` of `stream` again, those still in its history. */
  retransmit(stream: SendingStream, ssrc: number, lost: number[]): void {
    const target = (stream.layers ?? [stream]).find((layer) => layer.ssrc === ssrc);
    if (!target?.history) return;
    this.nacks.requested += lost.length;
    for (const sequence of lost) {
      const packet = target.history[sequence % HISTORY_SIZE];
      if (!packet || packet.readUInt16BE(2) !== sequence || !stream.track.isOpen()) continue;
      try {
        const resent = this.rtx ? this.rtxPacket(target, packet) : packet;
        if (stream.track.sendMessageBinary(resent)) {
          this.nacks.resent++;
          if (this.rtx) this.rtxSent.retransmissions++;
        }
      } catch {
        // closed meanwhile
      }
    }
  }

  /**
   * Padding-only RTX packets on the layer's RTX stream, as Chromium's bandwidth probes (RFC 3550 P
   * bit, no payload, 224 bytes of padding), naming the layer's RID when the layers are RIDs.
   */
  sendPadding(layer: SendingStream, rid: string | undefined): void {
    const headerBytes = rid === undefined ? 12 : 20;
    const packet = Buffer.alloc(headerBytes + PADDING_BYTES, 0);
    packet[0] = rid === undefined ? 0xa0 : 0xb0; // V=2, P, X with a RID
    packet.writeUInt32BE(layer.timestamp, 4);
    if (rid !== undefined) {
      packet.writeUInt16BE(0xbede, 12);
      packet.writeUInt16BE(1, 14);
      packet[16] = REPAIRED_RID_EXTENSION_ID << 4;
      packet[17] = rid.charCodeAt(0);
    }
    packet[packet.length - 1] = PADDING_BYTES;
    writeRtxHeader(packet, layer, 0);
    if (layer.track.sendMessageBinary(packet)) this.rtxSent.padding++;
  }

  /**
   * RFC 4588: `original` (a packet of `layer`) as a retransmission on the layer's RTX stream: RTX SSRC,
   * payload type and sequence number, the original sequence number before the payload; a RID in the
   * header extension becomes the repaired RID.
   */
  private rtxPacket(layer: SendingStream, original: Buffer): Buffer {
    const offset = rtpPayloadOffset(original);
    const packet = Buffer.alloc(original.length + 2);
    original.copy(packet, 0, 0, offset);
    packet.writeUInt16BE(original.readUInt16BE(2), offset);
    original.copy(packet, offset + 2, offset);
    writeRtxHeader(packet, layer, original[1]! & 0x80);
    if (offset > 12 && packet[16] === RID_EXTENSION_ID << 4) packet[16] = REPAIRED_RID_EXTENSION_ID << 4;
    return packet;
  }
}

/** The RTX stream's payload type, next sequence number and SSRC in place of the layer's own. */
function writeRtxHeader(packet: Buffer, layer: SendingStream, marker: number): void {
  packet[1] = marker | RTX_PAYLOAD_TYPE;
  packet.writeUInt16BE(layer.rtxSequence!, 2);
  packet.writeUInt32BE(layer.rtxSsrc!, 8);
  layer.rtxSequence = (layer.rtxSequence! + 1) & 0xffff;
}
