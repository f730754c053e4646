/**
 * Runs async steps one after another, each after the previous settled (MLS work: ts-mls states are
 * replaced, never shared). Once closed, steps not yet started are refused.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
  }

  /** Runs `step` in turn; its result or error comes back to the caller alone. */
  run<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => (this.closed ? Promise.reject(new Error('closed')) : step()));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Runs `step` in turn, ignoring how it ends. */
  enqueue(step: () => Promise<void>): void {
    void this.run(step).catch(() => undefined);
  }
}
