/** Which packets a bot's LossyRelay drops: a deterministic pattern, so tests can tell what was lost. */
import { isRtcp } from '@parley/sfu/rtp';

/**
 * Every n-th VP8 packet (PT 96 towards subscribers) and optionally Opus packet, by sequence number,
 * once each: the retransmission of a dropped packet gets through, as after a passing loss.
 */
export function lossEvery(n: number, vp8PayloadType = 96, opusPayloadType = -1): (packet: Buffer) => boolean {
  const dropped = new Set<string>();
  return (packet) => {
    if (
      packet.length < 12 ||
      packet[0]! >> 6 !== 2 ||
      isRtcp(packet) ||
      ((packet[1]! & 0x7f) !== vp8PayloadType && (packet[1]! & 0x7f) !== opusPayloadType)
    )
      return false;
    const sequence = packet.readUInt16BE(2);
    const id = `${packet.readUInt32BE(8)}:${sequence}`;
    if (sequence % n !== 0 || dropped.has(id)) return false;
    dropped.add(id);
    return true;
  };
}
