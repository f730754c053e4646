import ndc, { type DataChannel, type Track } from 'node-datachannel';
import { declareStore } from '../privacy/memory-stores.js';

declareStore('connection-addresses');

/**
 * Lifetime of node-datachannel's Track and DataChannel objects.
 *
 * node-datachannel 0.33 keeps a registry of these wrappers and removes an entry only when the
 * object's `onClosed` callback has been delivered to JavaScript. A wrapper that is garbage-collected
 * before that leaves a dangling pointer: `ndc.cleanup()` then crashes the process (SIGSEGV in
 * DataChannelWrapper::CloseAll, seen here), and native callbacks into it are use-after-free.
 *
 * So every Track and DataChannel the media plane (or a test bot) obtains is kept referenced here until
 * its closed callback has run; one that is already closed, or a second wrapper of the same native
 * track, is kept until the final cleanup.
 */
type Handle = Track | DataChannel;

const untilClosed = new Set<Handle>();
const untilCleanup = new Set<Handle>();

/**
 * Keep `handle` alive until it reports closed; then call `onClosed` (the only closed listener allowed).
 * `alreadyOpen`: the handle was open when libdatachannel handed it over (a data channel the remote
 * opened), so not being open now means it closed before the listener was attached.
 */
export function retainUntilClosed<T extends Handle>(
  handle: T,
  onClosed?: () => void,
  alreadyOpen = false,
): T {
  untilClosed.add(handle);
  handle.onClosed(() => {
    untilClosed.delete(handle);
    untilCleanup.delete(handle);
    try {
      onClosed?.();
    } finally {
      // A Track's wrapper frees its thread-safe callbacks only in close(). One closed from the other
      // side and left to the garbage collector can still exist when its thread ends: Node then tears
      // those callbacks down first and the wrapper's finalizer releases them again, which aborts the
      // process (core dump: TrackWrapper::doClose in FreeEnvironment of a media worker). So close it
      // now, on this thread, while it is alive; closing a closed handle only frees its callbacks.
      handle.close();
    }
  });
  // Closed before the listener was attached: the callback will never come.
  const closed = 'isClosed' in handle ? handle.isClosed() : alreadyOpen && !handle.isOpen();
  if (closed) {
    untilClosed.delete(handle);
    untilCleanup.add(handle);
  }
  return handle;
}

/** Keep `handle` alive until releaseNative(), without taking its closed listener. */
export function retainUntilCleanup<T extends Handle>(handle: T): T {
  untilCleanup.add(handle);
  return handle;
}

/** Tracks and data channels still open (waiting for their closed callback). */
export function openNativeHandles(): number {
  return untilClosed.size;
}

/**
 * Free libdatachannel's process-wide resources (threads, sockets) so that Node can exit. Waits up to
 * `timeoutMs` for closing tracks and channels to report closed first. Only call it when no peer
 * connection of this process is in use any more.
 */
export async function releaseNative(timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (untilClosed.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  ndc.cleanup();
  untilClosed.clear();
  untilCleanup.clear();
}
