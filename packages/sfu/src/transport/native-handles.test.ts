import type { Track } from 'node-datachannel';
import { describe, expect, it } from 'vitest';
import {
  describeOpenNativeHandles,
  openNativeHandles,
  retainUntilClosed,
  stillOpenNativeHandles,
} from './native-handles.js';

/** A Track stand-in that records calls; `fireClosed` plays libdatachannel delivering onClosed. */
function fakeTrack() {
  const calls: string[] = [];
  let closedListener: (() => void) | null = null;
  let closed = false;
  const track = {
    onClosed(listener: () => void) {
      closedListener = listener;
    },
    mid: () => '7',
    isOpen: () => false,
    isClosed: () => closed,
    close: () => calls.push('close'),
  } as unknown as Track;
  return {
    track,
    calls,
    fireClosed: () => closedListener?.(),
    closeNatively: () => {
      closed = true;
    },
  };
}

describe('retainUntilClosed', () => {
  it('keeps a track until it reports closed, then closes its wrapper after the listener ran', () => {
    const { track, calls, fireClosed } = fakeTrack();
    const before = openNativeHandles();
    retainUntilClosed(track, () => calls.push('listener'));
    expect(openNativeHandles()).toBe(before + 1);
    expect(calls).toEqual([]);
    fireClosed();
    // close() frees the wrapper's thread-safe callbacks while this thread is alive (see the module).
    expect(calls).toEqual(['listener', 'close']);
    expect(openNativeHandles()).toBe(before);
  });

  it('closes the wrapper even when the listener throws', () => {
    const { track, calls, fireClosed } = fakeTrack();
    retainUntilClosed(track, () => {
      throw new Error('listener bug');
    });
    expect(fireClosed).toThrow('listener bug');
    expect(calls).toEqual(['close']);
  });

  it('describes a handle still waiting for its closed callback, and where it was retained', () => {
    const { track, fireClosed } = fakeTrack();
    retainUntilClosed(track);
    const described = describeOpenNativeHandles().at(-1);
    expect(described).toMatch(
      /^track mid 7, open false, closed natively false; retained .*native-handles\.test\.ts/,
    );
    fireClosed();
    expect(describeOpenNativeHandles()).not.toContain(described);
  });

  it('tells a closed handle whose callback has not come from one still open', () => {
    const { track, closeNatively, fireClosed } = fakeTrack();
    const [open, waiting] = [stillOpenNativeHandles(), openNativeHandles()];
    retainUntilClosed(track);
    expect([stillOpenNativeHandles(), openNativeHandles()]).toEqual([open + 1, waiting + 1]);
    closeNatively();
    expect([stillOpenNativeHandles(), openNativeHandles()]).toEqual([open, waiting + 1]);
    fireClosed();
    expect(openNativeHandles()).toBe(waiting);
  });
});
