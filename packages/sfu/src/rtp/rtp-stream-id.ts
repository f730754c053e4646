import { findOneByteExtension } from './header-extension.js';

/**
 * The RTP stream id header extension (RFC 8852, `urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id`):
 * the RID of the simulcast layer a packet belongs to. Browsers that announce their layers by RID
 * (`a=rid`, `a=simulcast`; Firefox, Safari) do not say which SSRC carries which RID, so the SFU
 * learns it from this extension on the first packets of each SSRC.
 *
 * RFC 8285 one-byte form (the SFU does not negotiate `extmap-allow-mixed`, so browsers use it):
 *   0xBE 0xDE | length in 32-bit words | id(4) len-1(4) | value ... | ...
 */

/** The extension's URI in SDP `a=extmap` lines. */
export const RTP_STREAM_ID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';

/** RFC 8851 rid-id: letters, digits, `-` and `_`; the SFU accepts at most 16 (one-byte extension). */
export const RID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;

/** The RID carried under `extensionId`, or null when the packet has none. */
export function readRtpStreamId(packet: Uint8Array, extensionId: number): string | null {
  const at = findOneByteExtension(packet, extensionId);
  if (at < 0) return null;
  const length = (packet[at - 1]! & 0x0f) + 1;
  let rid = '';
  for (let i = at; i < at + length; i++) {
    const code = packet[i]!;
    if (code === 0) break; // RFC 8852 allows trailing zero bytes
    rid += String.fromCharCode(code);
  }
  return RID_PATTERN.test(rid) ? rid : null;
}
