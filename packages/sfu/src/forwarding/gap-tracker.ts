// Privacy: keeps nothing personal (RTP sequence numbers and times only).

/** Forward jumps larger than this are not recorded as loss (a restarted or resumed stream, not a gap). */
export const MAX_GAP = 100;
/** Sequence numbers waiting to come back, at most (per stream); later gaps are not recorded while full. */
export const MAX_MISSING = 64;
/** A missing packet is given up this long after its gap was seen (ms): too late for the receivers. */
export const MISSING_LIFETIME_MS = 1000;
/** NACKs per missing packet, at most. */
export const MAX_NACKS = 3;
/**
 * A packet is NACKed again when it has not come back this long after the last NACK (ms): twice the
 * round trip measured from earlier NACKs to their retransmissions, within these bounds (the upper one
 * until a round trip is measured).
 */
export const NACK_RETRY_MS = 120;
export const MIN_NACK_RETRY_MS = 20;
/**
 * A packet this far behind the highest is not a late one but a restarted stream (new sequence
 * numbers): the tracker starts over. Half the packet cache, so a late packet never overwrites a newer
 * one's slot.
 */
export const MAX_LATE = 256;

const clock = (): number => performance.now();

/**
 * How a packet's sequence number relates to what came before: `next` (newer than any before), `recovered`
 * (one recorded as missing: a retransmission or a reordered packet), `old` (older but not recorded:
 * a duplicate, or one given up on) or `duplicate` (the same as the newest).
 */
export type PacketOrder = 'next' | 'recovered' | 'old' | 'duplicate';

/**
 * The packets of one RTP stream from a publisher that did not arrive, so the SFU can NACK them (RFC 4585
 * generic NACK) before the subscribers' own NACKs find nothing in the packet cache.
 *
 * `received()` runs for every packet: one sequence comparison, and for a gap a few array writes. The
 * missing list lives in preallocated typed arrays; nothing is allocated per packet.
 */
export class GapTracker {
  /** Highest sequence number received, -1 before the first. */
  private highest = -1;
  private count = 0;
  private readonly sequences = new Int32Array(MAX_MISSING);
  /** When the gap was seen, and when the packet was last NACKed (performance.now(), ms). */
  private readonly seenAt = new Float64Array(MAX_MISSING);
  private readonly nackedAt = new Float64Array(MAX_MISSING);
  private readonly nacks = new Uint8Array(MAX_MISSING);
  /** Smoothed time from a NACK to the retransmission (ms); NaN before the first. */
  private roundTrip = Number.NaN;

  /** Number of packets recorded as missing and not yet given up. */
  get outstanding(): number {
    return this.count;
  }

  /**
   * Whether `sequence` is older than the highest received and within MAX_LATE of it: what a
   * retransmission must be (a "retransmission" of a packet never sent would otherwise move the stream
   * on, or restart it). Changes nothing.
   */
  behind(sequence: number): boolean {
    if (this.highest < 0) return false;
    const back = (this.highest - sequence) & 0xffff;
    return back > 0 && back <= MAX_LATE;
  }

  /** Note a received packet; a forward jump records the sequence numbers skipped over as missing. */
  received(sequence: number, now: () => number = clock): PacketOrder {
    const highest = this.highest;
    if (highest < 0) {
      this.highest = sequence;
      return 'next';
    }
    const ahead = (sequence - highest) & 0xffff;
    if (ahead === 0) return 'duplicate';
    if (ahead < 0x8000) {
      this.highest = sequence;
      if (ahead > 1 && ahead <= MAX_GAP) this.recordGap(highest, ahead - 1, now());
      return 'next';
    }
    if (0x10000 - ahead > MAX_LATE) {
      // Far behind: the publisher started a new sequence.
      this.highest = sequence;
      this.count = 0;
      return 'next';
    }
    if (this.count === 0) return 'old';
    const sequences = this.sequences;
    for (let i = 0; i < this.count; i++) {
      if (sequences[i] === sequence) {
        if (this.nacks[i]! > 0) this.measureRoundTrip(now() - this.nackedAt[i]!);
        this.remove(i);
        return 'recovered';
      }
    }
    return 'old';
  }

  /**
   * Append the sequence numbers due for a NACK to `lost` (never NACKed, or not back NACK_RETRY_MS after
   * the last NACK) and count the NACK; give up those too old or NACKed MAX_NACKS times already.
   */
  collectDue(now: number, lost: number[]): void {
    const retry = this.retryInterval;
    let i = 0;
    while (i < this.count) {
      const overdue = now - this.nackedAt[i]! >= retry;
      if (now - this.seenAt[i]! > MISSING_LIFETIME_MS || (this.nacks[i]! >= MAX_NACKS && overdue)) {
        this.remove(i);
        continue;
      }
      if (this.nacks[i] === 0 || (overdue && this.nacks[i]! < MAX_NACKS)) {
        lost.push(this.sequences[i]!);
        this.nacks[i]!++;
        this.nackedAt[i] = now;
      }
      i++;
    }
  }

  /** How long after a NACK the packet is asked for again (ms). */
  get retryInterval(): number {
    const roundTrip = this.roundTrip;
    if (Number.isNaN(roundTrip)) return NACK_RETRY_MS;
    return Math.min(NACK_RETRY_MS, Math.max(MIN_NACK_RETRY_MS, 2 * roundTrip));
  }

  private measureRoundTrip(sample: number): void {
    // A retransmission answering an earlier NACK of the same packet makes a sample too short: harmless,
    // the retry interval has a floor.
    this.roundTrip = Number.isNaN(this.roundTrip)
      ? sample
      : this.roundTrip + 0.125 * (sample - this.roundTrip);
  }

  private recordGap(before: number, missing: number, now: number): void {
    for (let i = 1; i <= missing && this.count < MAX_MISSING; i++) {
      const at = this.count++;
      this.sequences[at] = (before + i) & 0xffff;
      this.seenAt[at] = now;
      this.nackedAt[at] = now;
      this.nacks[at] = 0;
    }
  }

  /** Remove entry `i` (order does not matter: the last one takes its place). */
  private remove(i: number): void {
    const last = --this.count;
    this.sequences[i] = this.sequences[last]!;
    this.seenAt[i] = this.seenAt[last]!;
    this.nackedAt[i] = this.nackedAt[last]!;
    this.nacks[i] = this.nacks[last]!;
  }
}
