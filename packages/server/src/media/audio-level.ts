/**
 * The client-to-mixer audio level header extension (RFC 6464, `urn:ietf:params:rtp-hdrext:ssrc-audio-level`)
 * in RFC 8285 one-byte form, which is how browsers send it:
 *
 *   0xBE 0xDE | length in 32-bit words | id(4) len-1(4) | V(1) level(7) | ...
 *
 * The level is in -dBov: 0 is the loudest, 127 silence. Runs once per audio packet: no allocation.
 */

/** The extension's URI in SDP `a=extmap` lines. */
export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** The level (0 loudest … 127 silence) carried under `extensionId`, or -1 when the packet has none. */
export function readAudioLevel(packet: Uint8Array, extensionId: number): number {
  if ((packet[0]! & 0x10) === 0) return -1;
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
    if (id === extensionId) return offset + 1 < end ? packet[offset + 1]! & 0x7f : -1;
    offset += 1 + length;
  }
  return -1;
}
