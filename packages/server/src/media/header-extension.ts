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
  if (packet.length < 12 || (packet[0]! & 0x10) === 0) return -1;
  const start = 12 + (packet[0]! & 0x0f) * 4;
  if (packet.length < start + 4 || packet[start] !== 0xbe || packet[start + 1] !== 0xde) return -1;
  const end = start + 4 + ((packet[start + 2]! << 8) | packet[start + 3]!) * 4;
  if (end > packet.length) return -1;
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
