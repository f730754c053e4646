import { findOneByteExtension } from '../rtp/header-extension.js';
import { RTCP_RTPFB } from '../rtp/rtcp.js';

/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01), the
 * receiving side: the browser numbers every RTP packet of its connection in a header extension, the SFU
 * notes when each arrived and reports those times back every FEEDBACK_INTERVAL_MS. From the reports the
 * browser's send-side estimator (GCC) sees queues build and packets go missing, and sets its bitrate —
 * and so which simulcast layers it sends — on what the path carries.
 *
 * Feedback message (RTCP RTPFB, FMT 15):
 *   header | sender SSRC | media SSRC | base sequence (16) | status count (16) |
 *   reference time (24, ×64 ms) | feedback count (8) | packet chunks (16 each) | receive deltas | padding
 * Chunks give each packet's symbol — 0 not received, 1 received with a one-byte delta, 2 received with
 * a two-byte signed delta — as a run (T=0, symbol, run length 13 bits) or a vector (T=1, S=0: 14 one-bit
 * symbols; S=1: 7 two-bit symbols). Deltas are in 250 µs ticks, the first from the reference time, each
 * next from the packet before.
 */

export const TRANSPORT_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
export const TRANSPORT_CC_FORMAT = 15;
/** How often the SFU reports arrivals (libwebrtc's receiving side uses 50–250 ms, 100 ms by default). */
export const FEEDBACK_INTERVAL_MS = 100;

/** Arrivals remembered (a power of two): well over 100 ms of 20 Mbit/s in 1200-byte packets. */
const WINDOW = 4096;
/** Packets described by one feedback at most: a few hundred bytes, far below the MTU. */
const MAX_STATUS_PER_FEEDBACK = 1000;
/** Feedback messages sent per interval at most: a publisher's burst or sequence jump costs bounded work. */
const MAX_FEEDBACKS_PER_INTERVAL = 4;
const TICK_US = 250;
/** 64 ms, the reference time's unit, in ticks. */
const TICKS_PER_REFERENCE = 256;
const MAX_RUN = 0x1fff;

/** The transport-wide sequence number of an RTP packet under `extensionId`, or -1. */
export function readTransportSequence(packet: Uint8Array, extensionId: number): number {
  const at = findOneByteExtension(packet, extensionId);
  if (at < 0 || (packet[at - 1]! & 0x0f) !== 1) return -1; // two bytes
  return (packet[at]! << 8) | packet[at + 1]!;
}

/**
 * One connection's arrivals and the feedback that reports them. Sequence numbers are unwrapped from
 * 16 bits; arrivals older than the window, or before what was reported already, are not reported.
 */
export class TransportArrivals {
  /** Arrival time (µs) by unwrapped sequence number modulo WINDOW, valid where `sequenceAt` matches. */
  private readonly arrivedAt = new Float64Array(WINDOW);
  private readonly sequenceAt = new Float64Array(WINDOW).fill(-1);
  /** Highest unwrapped sequence number received (-1: none yet). */
  private highest = -1;
  /** The first sequence number the next feedback reports. */
  private nextToReport = 0;
  private feedbackCount = 0;
  /** Reused while building: per packet symbol and delta. */
  private readonly symbols = new Uint8Array(MAX_STATUS_PER_FEEDBACK);
  private readonly deltas = new Int32Array(MAX_STATUS_PER_FEEDBACK);

  /** A packet numbered `sequence` (16 bits) arrived at `nowUs` (µs, monotonic). */
  record(sequence: number, nowUs: number): void {
    let unwrapped: number;
    if (this.highest < 0) {
      // Start high enough that a packet reordered before the first one still unwraps to >= 0.
      unwrapped = 0x10000 + sequence;
      this.nextToReport = unwrapped;
    } else {
      const step = ((sequence - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      unwrapped = this.highest + step;
    }
    if (unwrapped < this.nextToReport) return; // reported already (as lost), or before the window
    if (unwrapped > this.highest) {
      this.highest = unwrapped;
      // What no longer fits the window is given up (never reported).
      if (unwrapped - this.nextToReport >= WINDOW) this.nextToReport = unwrapped - WINDOW + 1;
    }
    const slot = unwrapped & (WINDOW - 1);
    this.sequenceAt[slot] = unwrapped;
    this.arrivedAt[slot] = nowUs;
  }

  /**
   * The feedback messages for what arrived since the last ones (none when nothing did): sent by
   * `senderSsrc` about the connection's `mediaSsrc` (any of its streams; the browser reads none).
   */
  takeFeedback(senderSsrc: number, mediaSsrc: number): Buffer[] {
    const messages: Buffer[] = [];
    while (this.highest >= this.nextToReport && messages.length < MAX_FEEDBACKS_PER_INTERVAL) {
      messages.push(this.buildOne(senderSsrc, mediaSsrc));
    }
    return messages;
  }

  private received(sequence: number): boolean {
    return this.sequenceAt[sequence & (WINDOW - 1)] === sequence;
  }

  private buildOne(senderSsrc: number, mediaSsrc: number): Buffer {
    const base = this.nextToReport;
    let count = Math.min(this.highest - base + 1, MAX_STATUS_PER_FEEDBACK);
    let reference = 0;
    let previous = 0;
    let first = true;
    for (let i = 0; i < count; i++) {
      const sequence = base + i;
      if (!this.received(sequence)) {
        this.symbols[i] = 0;
        continue;
      }
      const ticks = Math.round(this.arrivedAt[sequence & (WINDOW - 1)]! / TICK_US);
      if (first) {
        first = false;
        reference = Math.floor(ticks / TICKS_PER_REFERENCE);
        previous = reference * TICKS_PER_REFERENCE;
      }
      const delta = ticks - previous;
      if (delta < -0x8000 || delta > 0x7fff) {
        count = i; // too far from the packet before: the next feedback starts here
        break;
      }
      this.symbols[i] = delta >= 0 && delta <= 0xff ? 1 : 2;
      this.deltas[i] = delta;
      previous = ticks;
    }
    const chunks = this.encodeChunks(count);
    let deltaBytes = 0;
    for (let i = 0; i < count; i++) deltaBytes += this.symbols[i]!;
    const unpadded = 20 + chunks.length * 2 + deltaBytes;
    const padding = (4 - (unpadded % 4)) % 4;
    const packet = Buffer.alloc(unpadded + padding);
    packet[0] = 0x80 | (padding > 0 ? 0x20 : 0) | TRANSPORT_CC_FORMAT;
    packet[1] = RTCP_RTPFB;
    packet.writeUInt16BE(packet.length / 4 - 1, 2);
    packet.writeUInt32BE(senderSsrc >>> 0, 4);
    packet.writeUInt32BE(mediaSsrc >>> 0, 8);
    packet.writeUInt16BE(base & 0xffff, 12);
    packet.writeUInt16BE(count, 14);
    packet.writeUIntBE(reference & 0xffffff, 16, 3);
    packet[19] = this.feedbackCount;
    this.feedbackCount = (this.feedbackCount + 1) & 0xff;
    let offset = 20;
    for (const chunk of chunks) {
      packet.writeUInt16BE(chunk, offset);
      offset += 2;
    }
    for (let i = 0; i < count; i++) {
      if (this.symbols[i] === 1) packet[offset++] = this.deltas[i]!;
      else if (this.symbols[i] === 2) {
        packet.writeInt16BE(this.deltas[i]!, offset);
        offset += 2;
      }
    }
    if (padding > 0) packet[packet.length - 1] = padding; // RFC 3550: the last byte counts the padding
    this.nextToReport = base + count;
    return packet;
  }

  /** Packet chunks for symbols[0, count): runs where 7 or more repeat, vectors elsewhere. */
  private encodeChunks(count: number): number[] {
    const symbols = this.symbols;
    const chunks: number[] = [];
    let i = 0;
    while (i < count) {
      let run = 1;
      while (i + run < count && run < MAX_RUN && symbols[i + run] === symbols[i]) run++;
      if (run >= 7 || i + run === count) {
        chunks.push((symbols[i]! << 13) | run);
        i += run;
        continue;
      }
      let small = true;
      for (let k = i; k < Math.min(i + 14, count); k++) if (symbols[k]! > 1) small = false;
      if (small && count - i >= 14) {
        let chunk = 0x8000;
        for (let k = 0; k < 14; k++) chunk |= symbols[i + k]! << (13 - k);
        chunks.push(chunk);
        i += 14;
        continue;
      }
      let chunk = 0xc000;
      for (let k = 0; k < 7 && i + k < count; k++) chunk |= symbols[i + k]! << (12 - 2 * k);
      chunks.push(chunk);
      i += 7;
    }
    return chunks;
  }
}

/** One packet as a transport feedback reports it: received with its arrival (µs), or not. */
export interface ReportedPacket {
  sequence: number;
  arrivalUs: number | null;
}

/**
 * Read a transport feedback message (RTCP RTPFB FMT 15, the header included), or null when malformed:
 * for tests now, and for the subscribers' feedback the SFU will estimate their bandwidth from.
 */
export function parseTransportFeedback(
  message: Buffer,
): { base: number; feedbackCount: number; packets: ReportedPacket[] } | null {
  if (message.length < 20 || message[1] !== RTCP_RTPFB || (message[0]! & 0x1f) !== TRANSPORT_CC_FORMAT)
    return null;
  let end = (message.readUInt16BE(2) + 1) * 4;
  if (end > message.length) return null;
  if (message[0]! & 0x20) end -= message[end - 1]!;
  const base = message.readUInt16BE(12);
  const count = message.readUInt16BE(14);
  const reference = message.readIntBE(16, 3);
  const symbols: number[] = [];
  let offset = 20;
  while (symbols.length < count) {
    if (offset + 2 > end) return null;
    const chunk = message.readUInt16BE(offset);
    offset += 2;
    if ((chunk & 0x8000) === 0) {
      const symbol = (chunk >> 13) & 0x03;
      for (let k = 0; k < (chunk & MAX_RUN); k++) symbols.push(symbol);
    } else if ((chunk & 0x4000) === 0) {
      for (let k = 0; k < 14; k++) symbols.push((chunk >> (13 - k)) & 0x01);
    } else {
      for (let k = 0; k < 7; k++) symbols.push((chunk >> (12 - 2 * k)) & 0x03);
    }
  }
  const packets: ReportedPacket[] = [];
  let ticks = reference * TICKS_PER_REFERENCE;
  for (let i = 0; i < count; i++) {
    const symbol = symbols[i]!;
    const sequence = (base + i) & 0xffff;
    if (symbol === 0) {
      packets.push({ sequence, arrivalUs: null });
      continue;
    }
    if (symbol === 3 || offset + symbol > end) return null;
    ticks += symbol === 1 ? message[offset]! : message.readInt16BE(offset);
    offset += symbol;
    packets.push({ sequence, arrivalUs: ticks * TICK_US });
  }
  return { base, feedbackCount: message[19]!, packets };
}
