import { findOneByteExtension } from './header-extension.js';

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
  const at = findOneByteExtension(packet, extensionId);
  return at < 0 ? -1 : packet[at]! & 0x7f;
}
