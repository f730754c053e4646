import type { FrameTap } from './worker-messages';

/** Samples kept of each kind. */
const TAP_LIMIT = 60;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The worker half of the browser tests' frame tap (see test-tap.ts): samples of the plaintext this
 * page sealed, and of the frames exactly as the SFU forwarded them. Only the test build imports it.
 */
export class WorkerTap {
  private samples: FrameTap | null = null;
  /** When receiving went strict: frames sent before everyone switched may still arrive just after. */
  private strictSince = 0;

  start(): void {
    this.samples = { sentPlaintext: [], received: [] };
  }

  snapshot(): FrameTap | null {
    return this.samples;
  }

  /** A plaintext video frame about to be sealed. */
  sealing(data: Uint8Array): void {
    const samples = this.samples;
    if (samples && data.length > 64 && samples.sentPlaintext.length < TAP_LIMIT)
      samples.sentPlaintext.push(hex(data.subarray(32, 56)));
  }

  /** A video frame as it arrived, before the gate. */
  arrived(data: Uint8Array, strict: boolean): void {
    if (!strict) {
      this.strictSince = 0;
      return;
    }
    if (this.strictSince === 0) this.strictSince = Date.now();
    const samples = this.samples;
    if (
      samples &&
      Date.now() - this.strictSince > 1000 &&
      data.length > 64 &&
      samples.received.length < TAP_LIMIT
    )
      samples.received.push(hex(data));
  }
}
