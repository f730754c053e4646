import { RTCP_RTPFB } from '../rtp/rtcp.js';
import { TRANSPORT_CC_FORMAT } from './transport-cc.js';

/**
 * transport-cc, the sending side (towards a subscriber): every RTP packet the SFU sends on one
 * subscribe connection carries the connection's next transport-wide sequence number; this remembers
 * when each left and how large it was, and matches the subscriber's feedback (RTCP RTPFB FMT 15,
 * draft-holmer-rmcat-transport-wide-cc-extensions-01; wire format in transport-cc.ts) against it.
 *
 * Allocation-free on both paths: a ring of SEND_HISTORY records, and one reusable result set that each
 * feedback overwrites. A feedback is untrusted input: it is read within its length, reports at most
 * MAX_REPORTED packets, and only packets actually sent (and not reported received already) count.
 */

/**
 * The RFC 8285 id of the transport-wide sequence number extension in the SFU's offers to subscribers
 * (3, as Chromium numbers it in its own offers: a Chromium publisher's packets need no renaming).
 */
export const SUBSCRIBER_TRANSPORT_CC_ID = 3;

/** Send records kept (a power of two): ~2.7 s at 3,000 packets/s, far longer than feedback takes. */
export const SEND_HISTORY = 8192;
/** Packet statuses read from one feedback at most (Chromium reports ≤ a few hundred per 100 ms). */
export const MAX_REPORTED = 2048;
const TICK_MS = 0.25;
const REFERENCE_MS = 64;

/** The packets of one feedback that match send records, in sequence order (valid up to `count`). */
export class FeedbackResults {
  count = 0;
  readonly sentAt = new Float64Array(MAX_REPORTED);
  /** Arrival time at the subscriber (its own clock, ms), NaN when reported lost. */
  readonly arrivedAt = new Float64Array(MAX_REPORTED);
  readonly bytes = new Uint16Array(MAX_REPORTED);
  /** The probe cluster each packet was sent in (0: none). */
  readonly cluster = new Uint16Array(MAX_REPORTED);
  /** Packets newly reported lost, and ones reported lost before that have arrived after all. */
  lost = 0;
  recovered = 0;
}

/** Record state: not yet reported, reported lost, reported received. */
const UNREPORTED = 0;
const REPORTED_LOST = 1;
const REPORTED_RECEIVED = 2;

export class TransportSends {
  /** Unwrapped sequence number the next packet gets. */
  private next = 1;
  private readonly sequenceAt = new Float64Array(SEND_HISTORY).fill(-1);
  private readonly sentAt = new Float64Array(SEND_HISTORY);
  private readonly bytes = new Uint16Array(SEND_HISTORY);
  private readonly state = new Uint8Array(SEND_HISTORY);
  private readonly clusterOf = new Uint16Array(SEND_HISTORY);
  /** The probe cluster packets sent now belong to (0: no probe running). */
  cluster = 0;
  /** Reused for each feedback. */
  readonly results = new FeedbackResults();
  /** Statuses skipped in the last feedback: beyond MAX_REPORTED, or of packets never sent. */
  ignored = 0;

  /** The 16-bit transport sequence number to write into the next packet. */
  get nextSequence(): number {
    return this.next & 0xffff;
  }

  /** The packet numbered `nextSequence` went out at `nowMs`, `bytes` long. */
  sent(bytes: number, nowMs: number): void {
    const sequence = this.next++;
    const slot = sequence & (SEND_HISTORY - 1);
    this.sequenceAt[slot] = sequence;
    this.sentAt[slot] = nowMs;
    this.bytes[slot] = Math.min(bytes, 0xffff);
    this.state[slot] = UNREPORTED;
    this.clusterOf[slot] = this.cluster;
  }

  /** Packets sent so far (the unwrapped sequence number of the last one). */
  get sentCount(): number {
    return this.next - 1;
  }

  /**
   * Read one transport feedback message (the RTCP header included) into `results`: false when it is
   * not one or is malformed (nothing then counts). Work is bounded by MAX_REPORTED statuses whatever
   * the message claims.
   */
  readFeedback(message: Uint8Array, from = 0, length = message.length - from): boolean {
    const results = this.results;
    results.count = 0;
    results.lost = 0;
    results.recovered = 0;
    this.ignored = 0;
    if (length < 20 || message[from + 1] !== RTCP_RTPFB || (message[from]! & 0x1f) !== TRANSPORT_CC_FORMAT)
      return false;
    let end = from + (((message[from + 2]! << 8) | message[from + 3]!) + 1) * 4;
    if (end > from + length) return false;
    if (message[from]! & 0x20) {
      end -= message[end - 1]!;
      if (end < from + 20) return false;
    }
    const base16 = (message[from + 12]! << 8) | message[from + 13]!;
    const claimed = (message[from + 14]! << 8) | message[from + 15]!;
    const count = Math.min(claimed, MAX_REPORTED);
    this.ignored = claimed - count;
    // Reference time: 24 bits, signed, in 64 ms.
    let reference = (message[from + 16]! << 16) | (message[from + 17]! << 8) | message[from + 18]!;
    if (reference & 0x800000) reference -= 0x1000000;
    // The base as the unwrapped sequence nearest to what was sent.
    const newest = this.next - 1;
    const base = newest + ((((base16 - newest) & 0xffff) + 0x8000) & 0xffff) - 0x8000;

    // First pass: the chunks, into `arrivedAt` as symbols (0 lost, 1 small, 2 large) per status.
    const symbols = results.arrivedAt;
    let statuses = 0;
    let offset = from + 20;
    while (statuses < count) {
      if (offset + 2 > end) return false;
      const chunk = (message[offset]! << 8) | message[offset + 1]!;
      offset += 2;
      if ((chunk & 0x8000) === 0) {
        const symbol = (chunk >> 13) & 0x03;
        const run = Math.min(chunk & 0x1fff, count - statuses);
        for (let k = 0; k < run; k++) symbols[statuses++] = symbol;
      } else if ((chunk & 0x4000) === 0) {
        for (let k = 0; k < 14 && statuses < count; k++) symbols[statuses++] = (chunk >> (13 - k)) & 0x01;
      } else {
        for (let k = 0; k < 7 && statuses < count; k++) symbols[statuses++] = (chunk >> (12 - 2 * k)) & 0x03;
      }
    }
    // Every delta must be within the message before any record changes.
    let deltaBytes = 0;
    for (let i = 0; i < count; i++) {
      const symbol = symbols[i]!;
      if (symbol === 3) return false;
      deltaBytes += symbol;
    }
    if (offset + deltaBytes > end) return false;
    // Second pass: deltas, matched against the send records (in place: result i ≤ status i).
    let ticks = reference * (REFERENCE_MS / TICK_MS);
    let matched = 0;
    for (let i = 0; i < count; i++) {
      const symbol = symbols[i]!;
      let arrival = Number.NaN;
      if (symbol !== 0) {
        ticks +=
          symbol === 1 ? message[offset]! : ((message[offset]! << 24) | (message[offset + 1]! << 16)) >> 16;
        offset += symbol;
        arrival = ticks * TICK_MS;
      }
      const sequence = base + i;
      const slot = sequence & (SEND_HISTORY - 1);
      if (sequence > newest || this.sequenceAt[slot] !== sequence) {
        this.ignored++; // never sent, or too long ago
        continue;
      }
      const state = this.state[slot]!;
      if (symbol === 0) {
        if (state !== UNREPORTED) continue;
        this.state[slot] = REPORTED_LOST;
        results.lost++;
      } else {
        if (state === REPORTED_RECEIVED) continue;
        if (state === REPORTED_LOST) results.recovered++;
        this.state[slot] = REPORTED_RECEIVED;
      }
      results.sentAt[matched] = this.sentAt[slot]!;
      results.arrivedAt[matched] = arrival;
      results.bytes[matched] = this.bytes[slot]!;
      results.cluster[matched] = this.clusterOf[slot]!;
      matched++;
    }
    results.count = matched;
    return true;
  }
}
