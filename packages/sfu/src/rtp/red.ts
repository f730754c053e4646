import { rtpPayloadOffset } from './rtp.js';

/**
 * RFC 2198 redundant audio ("Opus RED", `audio/red`): each packet carries the current Opus frame
 * (the primary block) and copies of one or more earlier ones, so a lost packet is rebuilt from the
 * next. The SFU never decodes either; it passes RED through to subscribers that accepted it and gives
 * the others the primary block alone, as a plain Opus packet.
 *
 *   payload: header per redundant block (F=1 | block PT (7) | timestamp offset (14) | length (10)),
 *            the primary's header (F=0 | block PT (7)), the redundant blocks' data, the primary's data
 *
 * What a publisher sends is not trusted: every length is checked against the packet, and a packet that
 * does not parse is not forwarded at all (to no one: a malformed RED packet harms only its sender).
 */

/** The payload type of RED towards subscribers (primary and redundancy Opus, PT 111): Chromium's own. */
export const OUTGOING_RED_PAYLOAD_TYPE = 63;

/** Redundant blocks read at most (Chromium sends one or two; the header check bounds the rest). */
export const MAX_RED_BLOCKS = 16;

/**
 * Where the primary block of a RED packet starts and ends (offsets into the packet), or -1 for a
 * packet that is not well-formed RED with `primaryPayloadType` as the primary's format, or whose
 * primary is empty.
 */
export interface RedPrimary {
  start: number;
  end: number;
}

/**
 * Find the primary block of a RED packet. Returns false (and leaves `into` at -1) when the packet is
 * malformed: truncated headers, block lengths beyond the payload, more than MAX_RED_BLOCKS blocks, a
 * primary of another payload type, or no primary data. Allocates nothing.
 */
export function locateRedPrimary(packet: Buffer, primaryPayloadType: number, into: RedPrimary): boolean {
  into.start = -1;
  into.end = -1;
  const offset = rtpPayloadOffset(packet);
  if (offset < 0) return false;
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  const end = packet.length - padding;
  if (padding === 0 && packet[0]! & 0x20) return false; // a padding count of 0 is invalid (RFC 3550)
  if (end <= offset) return false;
  let position = offset;
  let redundant = 0;
  for (let blocks = 0; ; blocks++) {
    if (position >= end) return false;
    const header = packet[position]!;
    if ((header & 0x80) === 0) {
      if ((header & 0x7f) !== primaryPayloadType) return false;
      position += 1;
      break;
    }
    if (blocks === MAX_RED_BLOCKS || position + 4 > end) return false;
    redundant += ((packet[position + 2]! & 0x03) << 8) | packet[position + 3]!;
    position += 4;
  }
  const start = position + redundant;
  if (start >= end) return false;
  into.start = start;
  into.end = end;
  return true;
}

/**
 * Write the primary block of a RED packet as a plain packet of `payloadType` into `target`: the RTP
 * header and extensions as they are (padding dropped), then the primary's data. `primary` comes from
 * locateRedPrimary on this packet. Returns a view of `target`, or null when it is too small.
 */
export function writeRedPrimary(
  packet: Buffer,
  primary: RedPrimary,
  payloadType: number,
  target: Buffer,
): Buffer | null {
  const offset = rtpPayloadOffset(packet);
  if (offset < 0 || primary.start < offset || primary.end > packet.length || primary.start >= primary.end)
    return null;
  const length = offset + primary.end - primary.start;
  if (target.length < length) return null;
  packet.copy(target, 0, 0, offset);
  packet.copy(target, offset, primary.start, primary.end);
  target[0] = target[0]! & ~0x20;
  target[1] = (packet[1]! & 0x80) | (payloadType & 0x7f);
  return target.subarray(0, length);
}

/**
 * One microphone's RED on the way through the SFU: the publisher's RED payload type (0: not
 * negotiated), whether the packet being forwarded is RED, and that packet's primary block as a plain
 * Opus packet for the subscribers without RED — built at most once per packet, on first demand, and
 * shared by them like the RED packet is by the others (each rewrites sequence number and SSRC).
 */
export class RedAudio {
  /** The publisher's payload type for RED; 0 when its offer had none. */
  payloadType = 0;
  /** The packet being forwarded is RED with a well-formed primary. */
  current = false;
  private readonly primary: RedPrimary = { start: -1, end: -1 };
  private packet: Buffer | null = null;
  private plain: Buffer | null = null;
  private buffer: Buffer | null = null;

  /**
   * A packet of the RED payload type arrived: locate its primary (of `opusPayloadType`). False for a
   * malformed one, which is not forwarded.
   */
  accept(packet: Buffer, opusPayloadType: number, outgoingOpusPayloadType: number): boolean {
    this.packet = packet;
    this.plain = null;
    this.current = locateRedPrimary(packet, opusPayloadType, this.primary);
    // The blocks name the publisher's Opus payload type; subscribers know Opus by the SFU's.
    if (this.current && opusPayloadType !== outgoingOpusPayloadType)
      renameRedBlocks(packet, this.primary, outgoingOpusPayloadType);
    return this.current;
  }

  /** A plain Opus packet is being forwarded. */
  notRed(): void {
    this.current = false;
    this.packet = null;
    this.plain = null;
  }

  /** Bytes of the current packet's primary block (what the speaker detection weighs). */
  get primaryBytes(): number {
    return this.current ? this.primary.end - this.primary.start : 0;
  }

  /** The current RED packet's primary as plain Opus of `payloadType`; null when there is none. */
  plainPacket(payloadType: number): Buffer | null {
    if (!this.current || this.packet === null) return null;
    if (this.plain === null) {
      this.buffer ??= Buffer.allocUnsafe(1500);
      this.plain = writeRedPrimary(this.packet, this.primary, payloadType, this.buffer);
    }
    return this.plain;
  }
}

/**
 * Give every block header of a RED packet (located by locateRedPrimary) `payloadType`, in place: the
 * headers run from the payload offset to the primary's one-byte header.
 */
function renameRedBlocks(packet: Buffer, primary: RedPrimary, payloadType: number): void {
  let position = rtpPayloadOffset(packet);
  while (position >= 0 && position < primary.start) {
    const header = packet[position]!;
    packet[position] = (header & 0x80) | (payloadType & 0x7f);
    if ((header & 0x80) === 0) return;
    position += 4;
  }
}
