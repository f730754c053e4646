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
  if (packet.length < 12 || (packet[0]! & 0x10) === 0) return null;
  const start = 12 + (packet[0]! & 0x0f) * 4;
  if (packet.length < start + 4 || packet[start] !== 0xbe || packet[start + 1] !== 0xde) return null;
  const end = start + 4 + ((packet[start + 2]! << 8) | packet[start + 3]!) * 4;
  if (end > packet.length) return null;
  let offset = start + 4;
  while (offset < end) {
    const byte = packet[offset]!;
    if (byte === 0) {
      offset++; // padding
      continue;
    }
    const id = byte >> 4;
    if (id === 15) return null; // reserved: stop parsing (RFC 8285 §4.2)
    const length = (byte & 0x0f) + 1;
    if (id === extensionId) {
      if (offset + 1 + length > end) return null;
      let rid = '';
      for (let i = offset + 1; i < offset + 1 + length; i++) {
        const code = packet[i]!;
        if (code === 0) break; // RFC 8852 allows trailing zero bytes
        rid += String.fromCharCode(code);
      }
      return RID_PATTERN.test(rid) ? rid : null;
    }
    offset += 1 + length;
  }
  return null;
}
