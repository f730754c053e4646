import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../api/json-logger.js';
import { type MediaContext, MediaCounters } from '../room/media-context.js';
import { Timers } from '../room/timers.js';
import type { SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import { Publication } from './publication.js';
import { Subscription } from './subscription.js';

/**
 * Issue 18: a subscriber whose estimate cannot carry even the lowest simulcast layer gets no video,
 * and is told so — once when the pause begins, once when it ends; never for last-N or its own hold.
 */
function setup() {
  const context: MediaContext = {
    options: { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: 0 } as MediaContext['options'],
    timers: new Timers(),
    counters: new MediaCounters(),
    logger: createJsonLogger('silent', () => {}),
  };
  const publication = new Publication('alice', 'camera', '1', 11, 96, 1, context);
  publication.setLayers([11, 22, 33]);
  // 150/500/1500 kbit/s at 180/360/720 lines, measured once.
  [150_000, 500_000, 1_500_000].forEach((bitrate, layer) => {
    publication.simulcast.layers[layer]!.bytes = bitrate / 8;
    publication.simulcast.layers[layer]!.height = 180 * 2 ** layer;
  });
  publication.simulcast.measure(1);
  // A transport-cc estimate with fresh feedback (the selector then decides from the budget alone).
  const bandwidth = { active: () => true } as unknown as SubscriberBandwidth;
  const reports: boolean[] = [];
  const subscription = new Subscription(
    publication,
    'bob',
    '1',
    1234,
    context,
    bandwidth,
    0,
    new Set(),
    (paused) => reports.push(paused),
  );
  /** The estimate gives this video `bps`, for `ms` of the room's clock (it re-chooses every 300 ms). */
  const budget = (bps: number, ms = 1500) => {
    subscription.setEstimatedBudget(bps);
    for (let t = 0; t < ms; t += 300) {
      vi.advanceTimersByTime(300);
      subscription.chooseLayer();
    }
  };
  return { subscription, reports, budget };
}

describe('Subscription: video paused for the subscriber’s bandwidth', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports the pause once when even the lowest layer does not fit, and the resume once', () => {
    const { subscription, reports, budget } = setup();
    budget(600_000);
    expect(reports).toEqual([]);
    budget(50_000, 3000);
    expect(reports).toEqual([true]);
    expect(subscription.isPaused).toBe(true);
    budget(60_000, 3000); // still too slow: nothing new
    expect(reports).toEqual([true]);
    budget(200_000);
    expect(reports).toEqual([true, false]);
    expect(subscription.isPaused).toBe(false);
    budget(600_000);
    expect(reports).toEqual([true, false]);
  });

  it('reports nothing while last-N or the subscriber’s own hold keeps the video back anyway', () => {
    const { subscription, reports, budget } = setup();
    subscription.setHeld(true);
    budget(50_000, 3000);
    subscription.setPaused(true);
    subscription.setPaused(false);
    expect(reports).toEqual([]);
    subscription.setHeld(false);
    budget(50_000, 3000);
    // Paused for bandwidth alone now: reported; last-N takes over (the app knows it), then lets go.
    expect(reports).toEqual([true]);
    subscription.setPaused(true);
    expect(reports).toEqual([true, false]);
    subscription.setPaused(false);
    expect(reports).toEqual([true, false, true]);
  });

  it('ends a reported pause when the track stops being forwarded', () => {
    const { subscription, reports, budget } = setup();
    budget(50_000, 3000);
    subscription.close();
    subscription.close();
    expect(reports).toEqual([true, false]);
  });
});
