/**
 * RTCP compound packets (RFC 3550 §6, feedback RFC 4585 / RFC 5104, REMB draft-alvestrand-rmcat-remb):
 * parsing what browsers send and building the few messages the SFU sends itself.
 *
 * RTCP is rare next to RTP (a few packets per second per stream), so parsing returns small objects.
 * libdatachannel delivers a whole compound to every track whose SSRC appears anywhere in it, so callers
 * must look at the SSRC each message is about (`mediaSsrc`, `ssrc`) and ignore the rest.
 */

import { MAX_NACK_SEQUENCES, MAX_RTCP_MESSAGES } from '../forwarding/budgets.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
/** Transport-layer feedback (generic NACK is FMT 1). */
export const RTCP_RTPFB = 205;
/** Payload-specific feedback (PLI FMT 1, FIR FMT 4, REMB FMT 15). */
export const RTCP_PSFB = 206;

export type RtcpMessage =
  | { type: 'sender-report'; ssrc: number; offset: number; length: number }
  | { type: 'receiver-report'; ssrc: number }
  | { type: 'pli'; senderSsrc: number; mediaSsrc: number }
  | { type: 'fir'; senderSsrc: number; requests: { ssrc: number; sequence: number }[] }
  | { type: 'nack'; senderSsrc: number; mediaSsrc: number; lost: number[] }
  | { type: 'remb'; senderSsrc: number; bitrate: number; ssrcs: number[] }
  /** transport-cc feedback (RTPFB FMT 15): where it lies in the compound, read by transport-sends.ts. */
  | { type: 'transport-feedback'; mediaSsrc: number; offset: number; length: number }
  | { type: 'other'; packetType: number; format: number };

/**
 * Split a compound RTCP packet into its messages. Parsing stops at the first malformed header; what was
 * read before is returned (a bad tail must not hide a good PLI in front of it). At most
 * MAX_RTCP_MESSAGES are read: a compound crafted to hold hundreds must not multiply the SFU's work.
 */
export function parseRtcp(buf: Buffer): RtcpMessage[] {
  const messages: RtcpMessage[] = [];
  let offset = 0;
  while (offset + 4 <= buf.length && messages.length < MAX_RTCP_MESSAGES) {
    const first = buf[offset]!;
    if (first >> 6 !== 2) break;
    const format = first & 0x1f;
    const packetType = buf[offset + 1]!;
    const length = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > buf.length) break;
    const message = parseOne(buf, offset, length, packetType, format);
    if (message) messages.push(message);
    offset += length;
  }
  return messages;
}

function parseOne(
  buf: Buffer,
  offset: number,
  length: number,
  packetType: number,
  format: number,
): RtcpMessage | undefined {
  switch (packetType) {
    case RTCP_SR:
      if (length < 28) return undefined;
      return { type: 'sender-report', ssrc: buf.readUInt32BE(offset + 4), offset, length };
    case RTCP_RR:
      if (length < 8) return undefined;
      return { type: 'receiver-report', ssrc: buf.readUInt32BE(offset + 4) };
    case RTCP_RTPFB:
      if (length < 12) return undefined;
      if (format === 1) return parseNack(buf, offset, length);
      if (format === 15)
        return { type: 'transport-feedback', mediaSsrc: buf.readUInt32BE(offset + 8), offset, length };
      break;
    case RTCP_PSFB:
      if (length < 12) return undefined;
      if (format === 1) {
        return {
          type: 'pli',
          senderSsrc: buf.readUInt32BE(offset + 4),
          mediaSsrc: buf.readUInt32BE(offset + 8),
        };
      }
      if (format === 4) return parseFir(buf, offset, length);
      if (format === 15) return parseRemb(buf, offset, length);
      break;
  }
  return { type: 'other', packetType, format };
}

/** Generic NACK: the lost sequence numbers it lists, the first MAX_NACK_SEQUENCES only. */
function parseNack(buf: Buffer, offset: number, length: number): RtcpMessage {
  const lost: number[] = [];
  for (let fci = offset + 12; fci + 4 <= offset + length && lost.length < MAX_NACK_SEQUENCES; fci += 4) {
    const pid = buf.readUInt16BE(fci);
    const blp = buf.readUInt16BE(fci + 2);
    lost.push(pid);
    for (let bit = 0; bit < 16; bit++) {
      if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
    }
  }
  if (lost.length > MAX_NACK_SEQUENCES) lost.length = MAX_NACK_SEQUENCES;
  return {
    type: 'nack',
    senderSsrc: buf.readUInt32BE(offset + 4),
    mediaSsrc: buf.readUInt32BE(offset + 8),
    lost,
  };
}

function parseFir(buf: Buffer, offset: number, length: number): RtcpMessage {
  const requests: { ssrc: number; sequence: number }[] = [];
  for (let fci = offset + 12; fci + 8 <= offset + length; fci += 8) {
    requests.push({ ssrc: buf.readUInt32BE(fci), sequence: buf[fci + 4]! });
  }
  return { type: 'fir', senderSsrc: buf.readUInt32BE(offset + 4), requests };
}

function parseRemb(buf: Buffer, offset: number, length: number): RtcpMessage {
  const senderSsrc = buf.readUInt32BE(offset + 4);
  // "REMB" identifier, then num SSRC (8 bits), BR exp (6 bits), BR mantissa (18 bits), SSRC list.
  if (length < 20 || buf.toString('latin1', offset + 12, offset + 16) !== 'REMB') {
    return { type: 'other', packetType: RTCP_PSFB, format: 15 };
  }
  const count = buf[offset + 16]!;
  const exponent = buf[offset + 17]! >> 2;
  const mantissa = ((buf[offset + 17]! & 0x03) << 16) | buf.readUInt16BE(offset + 18);
  const ssrcs: number[] = [];
  for (let i = 0; i < count && offset + 20 + i * 4 + 4 <= offset + length; i++) {
    ssrcs.push(buf.readUInt32BE(offset + 20 + i * 4));
  }
  return { type: 'remb', senderSsrc, bitrate: mantissa * 2 ** exponent, ssrcs };
}

/** Picture Loss Indication (RFC 4585 §6.3.1): "send me a key frame". 12 bytes. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const buf = Buffer.alloc(12);
  buf[0] = 0x80 | 1;
  buf[1] = RTCP_PSFB;
  buf.writeUInt16BE(2, 2);
  buf.writeUInt32BE(senderSsrc >>> 0, 4);
  buf.writeUInt32BE(mediaSsrc >>> 0, 8);
  return buf;
}

/** Generic NACK (RFC 4585 §6.2.1) for the given lost sequence numbers, packed into PID+BLP entries. */
export function buildNack(senderSsrc: number, mediaSsrc: number, lost: readonly number[]): Buffer {
  // Sequence order modulo 2^16: 65535 comes before 0.
  const sorted = [...new Set(lost.map((s) => s & 0xffff))].sort((a, b) =>
    ((b - a) & 0xffff) < 0x8000 ? -1 : 1,
  );
  const entries: [number, number][] = [];
  for (const seq of sorted) {
    const last = entries[entries.length - 1];
    const distance = last ? (seq - last[0]) & 0xffff : 0;
    if (last && distance >= 1 && distance <= 16) last[1] |= 1 << (distance - 1);
    else entries.push([seq, 0]);
  }
  const buf = Buffer.alloc(12 + entries.length * 4);
  buf[0] = 0x80 | 1;
  buf[1] = RTCP_RTPFB;
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
  buf.writeUInt32BE(senderSsrc >>> 0, 4);
  buf.writeUInt32BE(mediaSsrc >>> 0, 8);
  entries.forEach(([pid, blp], i) => {
    buf.writeUInt16BE(pid, 12 + i * 4);
    buf.writeUInt16BE(blp, 14 + i * 4);
  });
  return buf;
}

/**
 * Sender Report with only the sender info (no report blocks) and the given SSRC: 28 bytes. It carries
 * the publisher's NTP ↔ RTP timestamp pair, which a subscriber needs to lip-sync audio and video.
 * `target` must hold at least 28 bytes; it is overwritten and returned (sized view).
 */
export function writeSenderInfo(source: Buffer, offset: number, ssrc: number, target: Buffer): Buffer {
  target[0] = 0x80; // V=2, no padding, RC=0
  target[1] = RTCP_SR;
  target.writeUInt16BE(6, 2);
  target.writeUInt32BE(ssrc >>> 0, 4);
  source.copy(target, 8, offset + 8, offset + 28);
  return target.subarray(0, 28);
}

/** Sender Report: NTP timestamp (2 words), RTP timestamp, packet count, octet count. For tests and bots. */
export function buildSenderReport(
  ssrc: number,
  ntpSeconds: number,
  ntpFraction: number,
  rtpTime: number,
): Buffer {
  const buf = Buffer.alloc(28);
  buf[0] = 0x80;
  buf[1] = RTCP_SR;
  buf.writeUInt16BE(6, 2);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf.writeUInt32BE(ntpSeconds >>> 0, 8);
  buf.writeUInt32BE(ntpFraction >>> 0, 12);
  buf.writeUInt32BE(rtpTime >>> 0, 16);
  return buf;
}
