import { rtpPayloadOffset, writeSequenceAndSsrc } from './rtp.js';

/**
 * RFC 4588 retransmissions on their own stream (RTX). A publisher that negotiated RTX answers a NACK
 * with a packet on its RTX SSRC and RTX payload type, whose payload starts with the original sequence
 * number (OSN, 2 bytes) followed by the original payload. It also sends padding-only packets there
 * (no OSN, no payload: the P bit and padding bytes) when its bandwidth estimator probes, and resends
 * recent packets as "payload padding": real retransmissions of packets the SFU already has.
 *
 *   RTP header (RTX SSRC, RTX PT, RTX sequence) | OSN (16) | original payload | padding
 */

/** The extension naming, on an RTX packet, the RID of the layer it repairs (RFC 8852). */
export const REPAIRED_RTP_STREAM_ID_URI = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';

/**
 * Turn an RTX packet back into the packet it repeats, in place: the media SSRC and payload type, the
 * OSN as sequence number, the payload after the OSN (header, extensions and padding kept). Returns a
 * view of `packet` 2 bytes shorter, or null for a packet with no original payload (padding only, or
 * malformed). Moves the payload once; allocates only the view.
 */
export function restoreRetransmission(packet: Buffer, mediaSsrc: number, payloadType: number): Buffer | null {
  const offset = rtpPayloadOffset(packet);
  if (offset < 0) return null;
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  // The OSN and at least one byte of the original payload.
  if (packet.length - padding - offset < 3) return null;
  const originalSequence = packet.readUInt16BE(offset);
  packet.copyWithin(offset, offset + 2);
  writeSequenceAndSsrc(packet, originalSequence, mediaSsrc);
  packet[1] = (packet[1]! & 0x80) | (payloadType & 0x7f);
  return packet.subarray(0, packet.length - 2);
}

/**
 * The payload type of RTX towards subscribers (`apt=` 96, the VP8 the SFU sends them): Chromium's own
 * pairing, so its answer keeps the number.
 */
export const OUTGOING_RTX_PAYLOAD_TYPE = 97;

/**
 * Write the RTX form of `packet` into `target` (RFC 4588 §4): its header and extensions with the RTX
 * SSRC, payload type and sequence number, then its own sequence number (the OSN) and its payload
 * (padding kept at the end). The inverse of restoreRetransmission. Returns a view of `target` 2 bytes
 * longer than `packet`, or null for a malformed packet or a `target` too small.
 */
export function writeRetransmission(
  packet: Buffer,
  target: Buffer,
  rtxSsrc: number,
  rtxPayloadType: number,
  rtxSequence: number,
): Buffer | null {
  const offset = rtpPayloadOffset(packet);
  if (offset < 0 || target.length < packet.length + 2) return null;
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  // Padding must lie within the payload (RFC 3550 §5.1); a packet without payload is not resent.
  if (packet.length - padding - offset < 1) return null;
  packet.copy(target, 0, 0, offset);
  target.writeUInt16BE(packet.readUInt16BE(2), offset);
  packet.copy(target, offset + 2, offset);
  target[1] = (packet[1]! & 0x80) | (rtxPayloadType & 0x7f);
  writeSequenceAndSsrc(target, rtxSequence, rtxSsrc);
  return target.subarray(0, packet.length + 2);
}
