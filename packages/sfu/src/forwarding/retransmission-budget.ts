// Privacy: keeps nothing personal (sequence numbers, byte counts and times).

import {
  DEFAULT_RETRANSMIT_SHARE,
  RESEND_INTERVAL_MS,
  RETRANSMIT_BURST_BYTES,
  RETRANSMIT_BURST_PACKETS,
  TokenBucket,
} from './budgets.js';

/** Resent sequence numbers remembered per subscription (a power of two: about 3 s of 720p video). */
const RESENT_MEMORY = 512;

/**
 * What one subscriber's NACKs may make the SFU resend (budgets.ts): credit earned as a share of what
 * is forwarded to it, and no packet resent twice within RESEND_INTERVAL_MS.
 */
export class RetransmissionBudget {
  private share: number;
  private readonly configuredShare: number;
  /** Bytes forwarded to the subscriber on this track so far (the subscriber's audio cost is measured by it). */
  forwardedBytes = 0;
  private readonly bytes = new TokenBucket(RETRANSMIT_BURST_BYTES, 0);
  private readonly packets = new TokenBucket(RETRANSMIT_BURST_PACKETS, 0);
  /** Outgoing sequence numbers resent lately and when (ms), by sequence modulo their length. */
  private readonly resentSequences = new Int32Array(RESENT_MEMORY).fill(-1);
  private readonly resentAt = new Float64Array(RESENT_MEMORY);

  /** `percent`: the share of forwarded bytes that NACK answers may add (the plane's option). */
  constructor(percent = DEFAULT_RETRANSMIT_SHARE * 100) {
    this.share = percent / 100;
    this.configuredShare = this.share;
  }

  /**
   * Limit NACK answers to `share` of the forwarded bytes while the subscriber's link is short (at most
   * the configured share; Infinity: the configured share again): on a full link, retransmissions of
   * what the queue dropped only make it drop more.
   */
  limitShare(share: number): void {
    this.share = Math.min(this.configuredShare, share);
  }

  /** A packet of `bytes` was forwarded: forwarding earns the credit that NACK answers spend. */
  earn(bytes: number): void {
    this.forwardedBytes += bytes;
    const share = this.share;
    this.bytes.add(bytes * share);
    this.packets.add(share);
  }

  /**
   * Whether the packet the subscriber NACKed as `outgoingSequence` (`bytes` long) may be resent now:
   * not resent to it in the last RESEND_INTERVAL_MS, and within the budget. Spends the budget when it may.
   */
  mayResend(outgoingSequence: number, bytes: number, now: number): boolean {
    const slot = outgoingSequence & (RESENT_MEMORY - 1);
    if (this.resentSequences[slot] === outgoingSequence && now - this.resentAt[slot]! < RESEND_INTERVAL_MS)
      return false;
    if (this.packets.available < 1 || !this.bytes.take(bytes, now)) return false;
    this.packets.take(1, now);
    this.resentSequences[slot] = outgoingSequence;
    this.resentAt[slot] = now;
    return true;
  }
}
