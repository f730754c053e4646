// Privacy: keeps nothing personal (counts and times only).

/**
 * Budgets for the work a participant can make the SFU do with feedback it sends (NACKs, key frame
 * requests, Sender Reports). Without them one RTCP packet could make the SFU send thousands (issue 13:
 * duplicated NACK entries were each answered, 35 KiB of NACKs produced 136 MiB of retransmissions).
 * Each limit is documented in docs/reliability.md ("SFU budgets") and the media README.
 */

/**
 * Retransmissions to one subscriber may add at most this share of what it is forwarded (bytes and
 * packets, earned as packets are forwarded): even 20 % loss is repaired, and an attacker's NACKs can
 * at most make its stream 1.5 times as large. Operators on very lossy networks may raise it
 * (PARLEY_RETRANSMIT_PERCENT).
 */
export const DEFAULT_RETRANSMIT_SHARE = 0.5;
/** Credit one subscription can save up: a burst of loss (about 1 s of a 720p layer) is repaired at once. */
export const RETRANSMIT_BURST_PACKETS = 150;
export const RETRANSMIT_BURST_BYTES = 150 * 1200;
/** A packet is resent to the same subscriber at most once in this time (its NACK repeated sooner is a duplicate), ms. */
export const RESEND_INTERVAL_MS = 40;
/** Sequence numbers read from one NACK message (a browser lists far fewer; the rest is ignored). */
export const MAX_NACK_SEQUENCES = 256;
/** Messages read from one compound RTCP packet (a browser's hold a handful). */
export const MAX_RTCP_MESSAGES = 64;
/**
 * Key frame requests (PLI/FIR) from one subscriber for one track that are passed on: a burst of 3,
 * then one every 2 s. The publication itself asks its publisher at most once a second
 * (KEYFRAME_REQUEST_INTERVAL_MS), whoever asks.
 */
export const KEYFRAME_REQUESTS_BURST = 3;
export const KEYFRAME_REQUESTS_PER_SECOND = 0.5;
/**
 * Sender Reports forwarded per published stream (layer): a browser sends about one a second. Only the
 * last report of a stream in one compound packet is forwarded.
 */
export const SENDER_REPORTS_BURST = 3;
export const SENDER_REPORTS_PER_SECOND = 2;

/**
 * A token bucket: `take(n)` succeeds while the bucket holds n tokens. It refills continuously at
 * `perSecond` (computed when used: no timer) and can be credited with `add()`, never beyond `capacity`.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    now = performance.now(),
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  take(amount = 1, now = performance.now()): boolean {
    if (this.perSecond > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.perSecond) / 1000);
      this.updatedAt = now;
    }
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /** Give back or earn tokens (never beyond the capacity). */
  add(amount: number): void {
    const tokens = this.tokens + amount;
    this.tokens = Math.min(tokens, this.capacity);
  }

  get available(): number {
    return this.tokens;
  }
}
