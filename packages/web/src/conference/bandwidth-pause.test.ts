import { describe, expect, it } from 'vitest';
import { type PausedVideo, pausedForBandwidth, withBandwidthPause } from './bandwidth-pause';

const event = (participantId: string, source: 'camera' | 'screen', paused: boolean) =>
  ({ type: 'video-bandwidth-pause', participantId, source, paused }) as const;

describe('videos paused for our bandwidth (video-bandwidth-pause)', () => {
  it('marks a video paused and clears it on resume, per participant and source', () => {
    let paused: PausedVideo = new Map();
    paused = withBandwidthPause(paused, event('ann', 'camera', true));
    paused = withBandwidthPause(paused, event('ann', 'screen', true));
    paused = withBandwidthPause(paused, event('bo', 'camera', true));
    expect(pausedForBandwidth(paused, 'ann', 'camera')).toBe(true);
    expect(pausedForBandwidth(paused, 'ann', 'screen')).toBe(true);
    paused = withBandwidthPause(paused, event('ann', 'camera', false));
    expect(pausedForBandwidth(paused, 'ann', 'camera')).toBe(false);
    expect(pausedForBandwidth(paused, 'ann', 'screen')).toBe(true);
    expect(pausedForBandwidth(paused, 'bo', 'camera')).toBe(true);
    paused = withBandwidthPause(paused, event('ann', 'screen', false));
    expect([...paused.keys()]).toEqual(['bo']);
  });

  it('keeps the same state object when nothing changes (no needless re-render)', () => {
    const paused = withBandwidthPause(new Map(), event('ann', 'camera', true));
    expect(withBandwidthPause(paused, event('ann', 'camera', true))).toBe(paused);
    const none: PausedVideo = new Map();
    expect(withBandwidthPause(none, event('ann', 'camera', false))).toBe(none);
  });
});
