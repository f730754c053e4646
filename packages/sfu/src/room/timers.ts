// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).
/**
 * Every timer the media plane starts goes through one `Timers` so that `stats().timers` can prove that
 * closing a room, a participant or the whole plane leaves nothing pending.
 */
export type CancelTimer = () => void;

export class Timers {
  private readonly pending = new Set<CancelTimer>();

  /** Number of timers that are scheduled and have neither fired nor been cancelled. */
  get size(): number {
    return this.pending.size;
  }

  /** Run `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): CancelTimer {
    const handle = setTimeout(() => {
      this.pending.delete(cancel);
      fn();
    }, ms);
    const cancel: CancelTimer = () => {
      clearTimeout(handle);
      this.pending.delete(cancel);
    };
    this.pending.add(cancel);
    return cancel;
  }

  /** Run `fn` once after the current I/O callbacks and promise continuations (setImmediate). */
  soon(fn: () => void): CancelTimer {
    const handle = setImmediate(() => {
      this.pending.delete(cancel);
      fn();
    });
    const cancel: CancelTimer = () => {
      clearImmediate(handle);
      this.pending.delete(cancel);
    };
    this.pending.add(cancel);
    return cancel;
  }

  cancelAll(): void {
    for (const cancel of [...this.pending]) cancel();
  }
}
