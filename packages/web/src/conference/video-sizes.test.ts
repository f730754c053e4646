import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VideoSizes } from './video-sizes';

describe('VideoSizes', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the last size of a burst once, and nothing when it did not change', async () => {
    const sent: unknown[] = [];
    const sizes = new VideoSizes(async (type, payload) => {
      sent.push({ type, ...payload });
      return {} as never;
    }, 100);
    sizes.report('p1', 'camera', 100, 50);
    sizes.report('p1', 'camera', 320, 180);
    sizes.report('p2', 'screen', 640, 360);
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([
      { type: 'video-size', participantId: 'p1', source: 'camera', width: 320, height: 180 },
      { type: 'video-size', participantId: 'p2', source: 'screen', width: 640, height: 360 },
    ]);
    sizes.report('p1', 'camera', 320, 180);
    await vi.advanceTimersByTimeAsync(200);
    expect(sent).toHaveLength(2);
    sizes.forget('p1');
    sizes.report('p1', 'camera', 320, 180);
    await vi.advanceTimersByTimeAsync(200);
    expect(sent).toHaveLength(3);
  });
});
