/** One token bucket: `perSecond` refill, at most `burst` saved up. */
class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Refills, then tells whether `amount` tokens are there (without taking them). */
  has(amount: number): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    return this.tokens >= amount;
  }

  take(amount: number): void {
    this.tokens -= amount;
  }
}

/** How much one signaling socket may send: messages and bytes per second, with a burst of each. */
export interface MessageRateLimits {
  messagesPerSecond: number;
  messageBurst: number;
  bytesPerSecond: number;
  byteBurst: number;
  /** Over-rate messages forgiven per second, and at most in a row, before the sender counts as a flood. */
  overRatePerSecond: number;
  overRateBurst: number;
}

/**
 * Generous for any real client (a renegotiation is a few KiB of SDP, an end-to-end encryption commit at
 * most ~100 KiB, once), tight for a flood: sustained, a socket costs at most 20 parses and 256 KiB a second.
 */
export const SIGNALING_RATE: MessageRateLimits = {
  messagesPerSecond: 20,
  messageBurst: 60,
  bytesPerSecond: 256 * 1024,
  byteBurst: 1024 * 1024,
  overRatePerSecond: 20,
  overRateBurst: 500,
};

/**
 * Limits what one socket may send. Every frame counts, whatever its size or content: one message
 * token, and its length in byte tokens (a frame larger than the burst can never pass).
 */
export class MessageRate {
  private readonly messages: Bucket;
  private readonly bytes: Bucket;
  private readonly patience: Bucket;

  constructor(limits: MessageRateLimits = SIGNALING_RATE, now: () => number = Date.now) {
    this.messages = new Bucket(limits.messagesPerSecond, limits.messageBurst, now);
    this.bytes = new Bucket(limits.bytesPerSecond, limits.byteBurst, now);
    this.patience = new Bucket(limits.overRatePerSecond, limits.overRateBurst, now);
  }

  /**
   * Counts one refused message against the sender's patience; false once it is used up — a client
   * that keeps sending at several times its rate is flooding, not bursting, and is disconnected.
   */
  tolerate(): boolean {
    if (!this.patience.has(1)) return false;
    this.patience.take(1);
    return true;
  }

  /** Takes one message of `size` bytes; false (and nothing taken) when the sender is over its rate. */
  take(size = 0): boolean {
    if (!this.messages.has(1) || !this.bytes.has(size)) return false;
    this.messages.take(1);
    this.bytes.take(size);
    return true;
  }
}
