/**
 * Keeps a forwarded stream's RTP sequence numbers continuous when the SFU leaves packets out (a paused
 * last-N video, an inaudible microphone): the receiver would otherwise see a gap, count it as loss and
 * NACK it. After `skip()`, the next packet kept continues from the last one sent. Allocation-free.
 * The last HISTORY numbers sent are remembered with the incoming number each stood for, so a NACK is
 * answered with the right packet even when the offset changed since (an SVC subscriber's stream leaves
 * out the upper layers of every picture).
 */
export class SequenceRewriter {
  /** Per slot (outgoing number mod HISTORY): the outgoing number stored there and its incoming one. */
  private readonly sentOut = new Int32Array(HISTORY).fill(-1);
  private readonly sentIn = new Uint16Array(HISTORY);
  /** Subtracted (mod 2^16) from incoming sequence numbers. */
  private offset = 0;
  /** Last sequence number sent, -1 before the first. */
  private last = -1;
  /** First sequence number sent with the current offset (a late packet from before it is not sent). */
  private first = -1;
  private resync = false;

  /** Packets are being left out from now on: the next rewritten one follows the last one sent. */
  skip(): void {
    this.resync = true;
  }

  /**
   * A number for a packet the SFU adds to the stream itself (a bandwidth probe's padding), right after
   * the last one sent; the next forwarded packet follows it. -1 before the first packet. Late packets
   * from before it are not sent any more (as after a skip).
   */
  insert(): number {
    if (this.last < 0) return -1;
    this.last = (this.last + 1) & 0xffff;
    this.resync = true;
    this.sentOut[this.last & (HISTORY - 1)] = -1; // padding: nothing to resend under this number
    return this.last;
  }

  /** The outgoing sequence number of a new packet. */
  rewrite(sequence: number): number {
    if (this.resync || this.last < 0) {
      if (this.resync && this.last >= 0) this.offset = (sequence - this.last - 1) & 0xffff;
      this.resync = false;
      this.first = (sequence - this.offset) & 0xffff;
    }
    const out = (sequence - this.offset) & 0xffff;
    // Only forward movement (mod 2^16) advances `last`; a late packet does not.
    if (this.last < 0 || ((out - this.last) & 0xffff) < 0x8000) this.last = out;
    this.remember(out, sequence);
    return out;
  }

  /**
   * The outgoing number of a late packet (older than the last one sent: reordered, or retransmitted by
   * the publisher after the SFU's NACK), or -1 when it cannot be sent: it came before the current offset
   * was taken (its number would repeat one already sent for another packet) or packets are being left out.
   */
  late(sequence: number): number {
    if (this.resync || this.last < 0) return -1;
    const out = (sequence - this.offset) & 0xffff;
    if (((out - this.first) & 0xffff) >= 0x8000 || ((this.last - out) & 0xffff) >= 0x8000) return -1;
    this.remember(out, sequence);
    return out;
  }

  /**
   * The incoming sequence number of an outgoing one (to answer a NACK from the packet cache), or -1 for
   * a number not sent among the last HISTORY (padding, or too old to be cached anyway).
   */
  original(out: number): number {
    const slot = out & (HISTORY - 1);
    return this.sentOut[slot] === out ? this.sentIn[slot]! : -1;
  }

  private remember(out: number, incoming: number): void {
    const slot = out & (HISTORY - 1);
    this.sentOut[slot] = out;
    this.sentIn[slot] = incoming;
  }
}

/** Outgoing numbers remembered for NACKs (a power of two, above the publication's 512-packet cache). */
const HISTORY = 1024;
