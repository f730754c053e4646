/**
 * What a subscribing bot notes of each stream it receives, per `${participantId}:${source}`: the
 * counts tests compare, and the VP8 picture ids and RTP timestamps that must run on without jumps
 * across the SFU's simulcast layer switches.
 */
import { isVp8KeyframeStart, parseRtcp, rtpPayloadOffset } from '@parley/sfu/rtp';

export interface ReceivedStream {
  packets: number;
  bytes: number;
  /** Payload type and SSRC of the last packet. */
  payloadType: number;
  ssrc: number;
  keyframes: number;
  senderReports: number;
  /** Fill byte of the last video packet's payload (the simulcast bot marks layers with it). */
  lastFill: number;
  /** VP8 picture ids that did not follow the previous frame's (simulcast switches must hide them). */
  pictureIdJumps: number;
  /** Last VP8 picture id seen, -1 before. */
  pictureId: number;
  /** Frames whose RTP timestamp did not move forward by at most a second from the previous frame's. */
  timestampJumps: number;
  /** RTP timestamp of the last frame's first packet (-1 before). */
  frameTimestamp: number;
  /** Sequence number of the last packet received (-1: none yet). */
  sequence: number;
  /** Bytes of the last packet's payload (after header and extensions), and the fewest seen. */
  payloadBytes: number;
  smallestPayload: number;
  /** Every payload type seen on the stream (retransmissions included). */
  payloadTypes: Set<number>;
}

export function newReceivedStream(): ReceivedStream {
  return {
    packets: 0,
    bytes: 0,
    payloadType: -1,
    ssrc: -1,
    keyframes: 0,
    senderReports: 0,
    lastFill: -1,
    pictureIdJumps: 0,
    pictureId: -1,
    timestampJumps: 0,
    frameTimestamp: -1,
    sequence: -1,
    payloadBytes: 0,
    smallestPayload: Number.POSITIVE_INFINITY,
    payloadTypes: new Set(),
  };
}

/** Count the Sender Reports of the stream's current SSRC in an RTCP compound packet. */
export function countSenderReports(stats: ReceivedStream, packet: Buffer): void {
  for (const rtcp of parseRtcp(packet)) {
    if (rtcp.type === 'sender-report' && rtcp.ssrc === stats.ssrc) stats.senderReports++;
  }
}

/** Count one RTP packet (a retransmission already unwrapped) of the stream. */
export function countRtp(stats: ReceivedStream, packet: Buffer, kind: 'audio' | 'video'): void {
  stats.packets++;
  stats.bytes += packet.length;
  stats.payloadType = packet[1]! & 0x7f;
  stats.payloadTypes.add(stats.payloadType);
  stats.ssrc = packet.readUInt32BE(8);
  stats.sequence = packet.readUInt16BE(2);
  stats.payloadBytes = packet.length - rtpPayloadOffset(packet);
  stats.smallestPayload = Math.min(stats.smallestPayload, stats.payloadBytes);
  if (kind === 'video') countVideo(stats, packet);
}

function countVideo(stats: ReceivedStream, packet: Buffer): void {
  if (isVp8KeyframeStart(packet)) stats.keyframes++;
  stats.lastFill = packet[packet.length - 1]!;
  // First packet of a frame with a picture id (X, S and I bits): it must follow the last frame's.
  const at = rtpPayloadOffset(packet);
  if ((packet[at]! & 0x90) === 0x90 && packet[at + 1]! & 0x80 && packet[at + 2]! & 0x80) {
    const pictureId = packet.readUInt16BE(at + 2) & 0x7fff;
    if (stats.pictureId >= 0 && pictureId !== ((stats.pictureId + 1) & 0x7fff)) stats.pictureIdJumps++;
    stats.pictureId = pictureId;
    const timestamp = packet.readUInt32BE(4);
    const step = (timestamp - stats.frameTimestamp) >>> 0;
    if (stats.frameTimestamp >= 0 && (step === 0 || step > 90_000)) stats.timestampJumps++;
    stats.frameTimestamp = timestamp;
  }
}
