/**
 * `@parley/sfu/testing`: hooks and internals for tests of the SFU and of hosts built on it. Not for
 * production code: nothing here is needed to run an SFU, and it may change without notice.
 */
import { type MediaWorkerPool, MISBEHAVE } from './worker/media-worker-pool.js';

export {
  KEYFRAME_REQUESTS_BURST,
  KEYFRAME_REQUESTS_PER_SECOND,
  MAX_NACK_SEQUENCES,
  RETRANSMIT_BURST_BYTES,
  RETRANSMIT_BURST_PACKETS,
  SENDER_REPORTS_BURST,
  SENDER_REPORTS_PER_SECOND,
} from './forwarding/budgets.js';
export { KEYFRAME_REQUEST_INTERVAL_MS } from './forwarding/publication-view.js';
export { Subscription } from './forwarding/subscription.js';
/** Time spent by forwarded packets in the SFU's JavaScript, recorded while enabled (benchmarks). */
export { transitProbe } from './forwarding/transit-probe.js';
export type { SlotState, WatchdogLimits } from './worker/worker-slot.js';

/** Make worker `index` of the pool fail as a bug would: an uncaught exception in its thread. */
export function crashWorker(pool: MediaWorkerPool, index: number): void {
  pool[MISBEHAVE](index, 'crash');
}

/** Make worker `index` loop for `stallMs`, or leak memory without end: the pool's watchdog must act. */
export function misbehaveWorker(
  pool: MediaWorkerPool,
  index: number,
  how: { stallMs: number } | 'leak',
): void {
  pool[MISBEHAVE](index, how);
}
