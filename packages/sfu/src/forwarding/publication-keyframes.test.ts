import type { Track } from 'node-datachannel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../api/json-logger.js';
import { type MediaContext, MediaCounters } from '../room/media-context.js';
import { Timers } from '../room/timers.js';
import { Publication } from './publication.js';
import { KEYFRAME_REQUEST_INTERVAL_MS } from './publication-view.js';

const VP8 = 96;

/** A camera publication on a fake track that records the PLIs sent (media SSRC at bytes 8–11). */
function setup({ open = true, layers }: { open?: boolean; layers?: number[] } = {}) {
  const context: MediaContext = {
    options: { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: 0 } as MediaContext['options'],
    timers: new Timers(),
    counters: new MediaCounters(),
    logger: createJsonLogger('silent', () => {}),
  };
  const publication = new Publication('alice', 'camera', '1', 11, VP8, 1, context);
  if (layers) publication.setLayers(layers);
  const plis: number[] = [];
  const track = {
    isOpen: () => open,
    sendMessageBinary: (packet: Buffer) => {
      plis.push(packet.readUInt32BE(8));
      return true;
    },
  } as unknown as Track;
  publication.attach(track);
  return { publication, plis, context };
}

describe('Publication key frame requests', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first request at once, and one more at the end of the interval for any number asked inside it', () => {
    const { publication, plis, context } = setup();
    publication.requestKeyframe();
    expect(plis).toEqual([11]);
    vi.advanceTimersByTime(100);
    publication.requestKeyframe();
    publication.requestKeyframe();
    publication.requestKeyframe();
    expect(plis).toEqual([11]); // delayed, not dropped
    vi.advanceTimersByTime(KEYFRAME_REQUEST_INTERVAL_MS - 101);
    expect(plis).toEqual([11]);
    vi.advanceTimersByTime(1);
    expect(plis).toEqual([11, 11]); // the three requests became one
    expect(context.counters.keyframeRequestsSent).toBe(2);
    expect(context.timers.size).toBe(0);
  });

  it('asks every simulcast layer, so a subscriber switching to any of them finds a key frame', () => {
    const { publication, plis } = setup({ layers: [11, 22, 33] });
    publication.requestKeyframe();
    expect(plis).toEqual([11, 22, 33]);
  });

  it('asks nothing of an audio track', () => {
    const { context } = setup();
    const mic = new Publication('alice', 'mic', '0', 5, 111, 1, context);
    const sent: Buffer[] = [];
    mic.attach({
      isOpen: () => true,
      sendMessageBinary: (b: Buffer) => sent.push(b) > 0,
    } as unknown as Track);
    mic.requestKeyframe();
    expect(sent).toEqual([]);
  });

  it('remembers a request while the track is not open, without counting it as sent', () => {
    const { publication, plis, context } = setup({ open: false });
    publication.requestKeyframe();
    expect(plis).toEqual([]);
    expect(context.counters.keyframeRequestsSent).toBe(0);
  });
});
