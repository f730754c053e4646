/**
 * RTP fixed-header access (RFC 3550 §5.1) on the Buffers node-datachannel hands us. These run once per
 * packet on the forwarding path, so they read and write in place and never allocate.
 *
 *    0                   1                   2                   3
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |                             SSRC                              |
 */

export const RTP_HEADER_SIZE = 12;

/**
 * RTP and RTCP share one port (rtcp-mux). RFC 5761 §4: the second byte of RTCP is its packet type
 * 192..223, which no dynamic RTP payload type (with or without marker bit) collides with.
 */
export function isRtcp(packet: Uint8Array): boolean {
  const type = packet[1]!;
  return packet.length >= 8 && type >= 192 && type <= 223;
}

/** A packet long enough to be RTP, version 2, not RTCP. */
export function isRtp(packet: Uint8Array): boolean {
  return packet.length >= RTP_HEADER_SIZE && packet[0]! >> 6 === 2 && !isRtcp(packet);
}

export function rtpTimestamp(packet: Buffer): number {
  return packet.readUInt32BE(4);
}

/**
 * Offset of the payload after CSRCs and the header extension, or -1 when the header is truncated.
 * Padding at the end is not removed.
 */
export function rtpPayloadOffset(packet: Buffer): number {
  if (packet.length < RTP_HEADER_SIZE) return -1;
  let offset = RTP_HEADER_SIZE + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return -1;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  return offset <= packet.length ? offset : -1;
}

/** Bytes of an RTP packet's payload (after header extensions, without padding): DTX frames are tiny. */
export function rtpPayloadBytes(packet: Buffer): number {
  const offset = rtpPayloadOffset(packet);
  if (offset < 0) return 0;
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  return Math.max(0, packet.length - offset - padding);
}

/**
 * True when this packet starts a VP8 key frame (RFC 7741): the payload descriptor has S=1 and
 * partition 0, and the first bit of the VP8 frame tag (P, "inverse key frame") is 0.
 */
export function isVp8KeyframeStart(packet: Buffer): boolean {
  let offset = rtpPayloadOffset(packet);
  if (offset < 0 || offset >= packet.length) return false;
  const descriptor = packet[offset]!;
  const startOfPartition = (descriptor & 0x10) !== 0;
  const partitionId = descriptor & 0x0f;
  if (!startOfPartition || partitionId !== 0) return false;
  offset += 1;
  if (descriptor & 0x80) {
    // Extended control bits: I (picture id), L (TL0PICIDX), T (TID), K (KEYIDX).
    if (offset >= packet.length) return false;
    const extension = packet[offset]!;
    offset += 1;
    if (extension & 0x80) {
      if (offset >= packet.length) return false;
      offset += packet[offset]! & 0x80 ? 2 : 1;
    }
    if (extension & 0x40) offset += 1;
    if (extension & 0x30) offset += 1;
  }
  if (offset >= packet.length) return false;
  return (packet[offset]! & 0x01) === 0;
}

/**
 * Where the VP8 payload descriptor (RFC 7741 §4.2) of this packet keeps its fields, for rewriting
 * them in place when a subscriber changes simulcast layer. Written into `out` (no allocation):
 * out[0] = byte offset of the picture id or -1 (15 bits when packet[out[0]] has its top bit set, else 7),
 * out[1] = byte offset of TL0PICIDX or -1.
 */
export function locateVp8Descriptor(packet: Buffer, out: Int32Array): void {
  out[0] = -1;
  out[1] = -1;
  let offset = rtpPayloadOffset(packet);
  if (offset < 0 || offset >= packet.length) return;
  const descriptor = packet[offset]!;
  if ((descriptor & 0x80) === 0) return;
  offset += 1;
  if (offset >= packet.length) return;
  const extension = packet[offset]!;
  offset += 1;
  if (extension & 0x80) {
    if (offset + 1 >= packet.length) return;
    out[0] = offset;
    offset += packet[offset]! & 0x80 ? 2 : 1;
  }
  if (extension & 0x40 && offset < packet.length) out[1] = offset;
}

/** The picture id at `at` (see locateVp8Descriptor). */
export function readVp8PictureId(packet: Buffer, at: number): number {
  const first = packet[at]!;
  return first & 0x80 ? ((first & 0x7f) << 8) | packet[at + 1]! : first & 0x7f;
}

/** Write a picture id at `at`, keeping the width the packet uses (7 or 15 bits). */
export function writeVp8PictureId(packet: Buffer, at: number, pictureId: number): void {
  if (packet[at]! & 0x80) {
    packet[at] = 0x80 | ((pictureId >> 8) & 0x7f);
    packet[at + 1] = pictureId & 0xff;
  } else {
    packet[at] = pictureId & 0x7f;
  }
}

/**
 * Height in pixels of a VP8 key frame starting in this packet (RFC 6386 §9.1: 3-byte frame tag, start
 * code 9d 01 2a, 14-bit width, 14-bit height), or 0 when the packet does not carry one.
 */
export function vp8KeyframeHeight(packet: Buffer): number {
  let offset = rtpPayloadOffset(packet);
  if (offset < 0 || offset >= packet.length) return 0;
  const descriptor = packet[offset]!;
  offset += 1;
  if (descriptor & 0x80) {
    const extension = packet[offset]!;
    offset += 1;
    if (extension & 0x80) offset += packet[offset]! & 0x80 ? 2 : 1;
    if (extension & 0x40) offset += 1;
    if (extension & 0x30) offset += 1;
  }
  if (offset + 10 > packet.length || (packet[offset]! & 0x01) !== 0) return 0;
  if (packet[offset + 3] !== 0x9d || packet[offset + 4] !== 0x01 || packet[offset + 5] !== 0x2a) return 0;
  return (packet[offset + 8]! | (packet[offset + 9]! << 8)) & 0x3fff;
}

/** The sequence number and SSRC a subscriber sees, written into a packet's header. */
export function writeSequenceAndSsrc(packet: Buffer, sequence: number, ssrc: number): void {
  packet[2] = sequence >>> 8;
  packet[3] = sequence;
  writeUint32(packet, 8, ssrc);
}

/**
 * A 32-bit field, big-endian, byte by byte. Not Buffer.writeUInt32BE: a value of 2³⁰ or more (most
 * SSRCs and RTP timestamps) is a heap number in V8, and that call boxed a new one each time — once
 * per forwarded packet per subscriber, which the garbage collector then paid for (measured in the
 * forwarding benchmark: docs/performance.md).
 */
export function writeUint32(packet: Uint8Array, offset: number, value: number): void {
  packet[offset] = value >>> 24;
  packet[offset + 1] = value >>> 16;
  packet[offset + 2] = value >>> 8;
  packet[offset + 3] = value;
}
