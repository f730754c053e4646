import ndc, { type DataChannel, type Track } from 'node-datachannel';
import { keepsStore } from '../api/memory.js';

keepsStore('connection-addresses');

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
 *
 * The callback does not always come. Closing a handle from JavaScript closes the native channel and
 * then drops node-datachannel's reference to libdatachannel's public object, whose destructor clears
 * the channel's callbacks. When libdatachannel closes the same channel from its side at that moment
 * (the peer reset the data channel's stream, the connection closed), the side that loses the race to
 * mark it closed returns at once, and the winner may call the closed callback after it was cleared:
 * it is lost (seen in the lifecycle test: 2 of ~50 runs, a bot's data channel that the SFU closed as
 * the bot did). Such a handle is closed, but stays retained (a wrapper, until releaseNative), which is
 * what keeps it safe. stillOpenNativeHandles() tells them apart.
 */
type Handle = Track | DataChannel;

/** Each handle waiting for its closed callback, with where it was retained (for describeOpenNativeHandles). */
const untilClosed = new Map<Handle, Error>();
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
  // The stack is captured now and formatted only if a test asks why a handle is still open.
  untilClosed.set(handle, new Error('retained here'));
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
 * Tracks and data channels neither closed by this process nor by libdatachannel: what a connection
 * left behind would leave open. (A closed handle may still wait for its callback, which
 * node-datachannel delivers through a thread-safe function; openNativeHandles counts those too.)
 */
export function stillOpenNativeHandles(): number {
  let open = 0;
  for (const handle of untilClosed.keys()) if (isStillOpen(handle)) open++;
  return open;
}

function isStillOpen(handle: Handle): boolean {
  try {
    return 'isClosed' in handle ? !handle.isClosed() : handle.isOpen();
  } catch {
    return false; // a wrapper whose native object is gone
  }
}

/**
 * The handles still waiting for their closed callback, each with its native state and where it was
 * retained: what a test prints when a connection was left behind.
 */
export function describeOpenNativeHandles(): string[] {
  return [...untilClosed].map(([handle, origin]) => {
    const state =
      'mid' in handle
        ? `track mid ${safely(() => handle.mid())}, open ${safely(() => handle.isOpen())}, closed natively ${safely(() => handle.isClosed())}`
        : `data channel "${safely(() => handle.getLabel())}", open ${safely(() => handle.isOpen())}`;
    const frames = (origin.stack ?? '')
      .split('\n')
      .slice(2, 6)
      .map((line) => line.trim());
    return `${state}; retained ${frames.join(' < ')}`;
  });
}

function safely(read: () => unknown): string {
  try {
    return String(read());
  } catch (error) {
    return `(${error instanceof Error ? error.message : error})`;
  }
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
