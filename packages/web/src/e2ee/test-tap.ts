import type { ToWorker } from './worker-messages';

/**
 * The browser tests' proof that the SFU forwards only ciphertext (e2e/e2ee.test.ts). Only in the
 * test build (`vite build --mode e2e-test` → packages/web/dist-test, served by the e2e harness):
 * the production build never imports this file. A page whose storage carries the flag (set by the
 * test before the app loads) keeps frame samples in the worker, and the test reads them and the
 * worker's frame counters through `window.__parleyE2eeTap()`.
 */
/** What the tap reads from the E2EE session (narrow, so that this file need not import the session). */
export interface FrameStatsSource {
  frameStats(): Promise<unknown>;
}

export function exposeTestTap(session: FrameStatsSource, post: (message: ToWorker) => void): void {
  // The worker's frame counters, for any test's failure report (e2e/support/room-suite.ts).
  (globalThis as { __parleyE2eeStats?: () => Promise<unknown> }).__parleyE2eeStats = () =>
    session.frameStats();
  let flagged = false;
  try {
    flagged = localStorage.getItem('parley-e2ee-test-tap') === '1';
  } catch {
    return;
  }
  if (!flagged) return;
  post({ type: 'tap' });
  (globalThis as { __parleyE2eeTap?: () => Promise<unknown> }).__parleyE2eeTap = () => session.frameStats();
}
