/**
 * RTP header extensions in RFC 8285 one-byte form, the only form browsers use with the SFU (it does not
 * negotiate `extmap-allow-mixed`):
 *
 *   0xBE 0xDE | length in 32-bit words | id(4) len-1(4) | value ... | ... | padding (0)
 *
 * Runs once per packet for each extension read: no allocation.
 */

/**
 * Where the value of the extension `extensionId` starts in `packet`, or -1 when the packet has none
 * (or its extension block is malformed). The value's length is `(packet[at - 1] & 0x0f) + 1`, and it
 * lies within the packet.
 */
export function findOneByteExtension(packet: Uint8Array, extensionId: number): number {
  const start = oneByteBlock(packet);
  if (start < 0) return -1;
  const end = blockEnd(packet, start);
  let offset = start + 4;
  while (offset < end) {
    const byte = packet[offset]!;
    if (byte === 0) {
      offset++; // padding
      continue;
    }
    const id = byte >> 4;
    if (id === 15) return -1; // reserved: stop parsing (RFC 8285 §4.2)
    const length = (byte & 0x0f) + 1;
    if (id === extensionId) return offset + 1 + length <= end ? offset + 1 : -1;
    offset += 1 + length;
  }
  return -1;
}

/**
 * Make a packet from a publisher carry its transport-wide sequence slot under the id subscribers
 * negotiated: the two-byte element `fromId` (the publisher's transport-cc id) is renamed `toId`, and
 * any other element already named `toId` is turned into padding (zero bytes, skipped by receivers),
 * so that a subscriber finds exactly one. Returns where the two-byte value starts, or -1 when the
 * packet has no such element (the SFU cannot number it without copying it: see packages/sfu/README.md).
 * In place, one pass over the extension block, no allocation.
 */
export function claimTransportSlot(packet: Uint8Array, fromId: number, toId: number): number {
  if (fromId <= 0) return -1;
  const start = oneByteBlock(packet);
  if (start < 0) return -1;
  const end = blockEnd(packet, start);
  let slot = -1;
  let offset = start + 4;
  while (offset < end) {
    const byte = packet[offset]!;
    if (byte === 0) {
      offset++;
      continue;
    }
    const id = byte >> 4;
    if (id === 15) break;
    const length = (byte & 0x0f) + 1;
    if (offset + 1 + length > end) break;
    if (id === fromId && length === 2 && slot < 0) {
      packet[offset] = (toId << 4) | 1;
      slot = offset + 1;
    } else if (id === toId) {
      packet.fill(0, offset, offset + 1 + length);
    }
    offset += 1 + length;
  }
  return slot;
}

/**
 * Where the packet's one-byte extension block starts (its 0xBEDE header), or -1 when it has none or
 * the block's stated length runs past the packet. Its elements lie in [start + 4, blockEnd).
 */
function oneByteBlock(packet: Uint8Array): number {
  if (packet.length < 12 || (packet[0]! & 0x10) === 0) return -1;
  const start = 12 + (packet[0]! & 0x0f) * 4;
  if (packet.length < start + 4 || packet[start] !== 0xbe || packet[start + 1] !== 0xde) return -1;
  return blockEnd(packet, start) > packet.length ? -1 : start;
}

function blockEnd(packet: Uint8Array, start: number): number {
  return start + 4 + ((packet[start + 2]! << 8) | packet[start + 3]!) * 4;
}
