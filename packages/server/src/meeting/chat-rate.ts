/**
 * Token bucket for one participant's chat messages: a burst of `burst`, then `perSecond` on average.
 * Separate from the socket's overall message rate, which is far higher.
 */
export class ChatRate {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond = 2.5,
    private readonly burst = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token. Returns 0 when the message may go, else the seconds until it could. */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
