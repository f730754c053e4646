import { MediaBot } from '@parley/media-bot';
import type { MediaPlaneEvents, MediaWorkerPool } from '@parley/sfu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaWorkerPool } from '../support/media-worker-pool.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 18, with the SFU in a media worker: the pause of a subscriber's video for its bandwidth
 * (bandwidth-pause.test.ts) crosses the worker boundary like every other media plane event.
 */
const ROOM = 'room-bandwidth-pause-worker';

let pool: MediaWorkerPool;
const bots = new Map<string, MediaBot>();
const events: MediaPlaneEvents['video-bandwidth-pause'][] = [];

beforeAll(async () => {
  pool = await startMediaWorkerPool(1, { subscriberBandwidthEstimation: true });
  pool.on('subscriber-offer', ({ participantId, sdp, tracks }) => {
    void bots.get(participantId)?.handleSubscriberOffer(sdp, tracks);
  });
  pool.on('video-bandwidth-pause', (event) => events.push(event));
});
afterAll(async () => {
  for (const bot of bots.values()) await bot.close();
  await pool.close();
  // The pool's workers have their own libdatachannel; this thread's (the bots') is freed here.
  await MediaBot.releaseNative();
});

async function join(
  participantId: string,
  options: ConstructorParameters<typeof MediaBot>[1],
  publish: boolean,
) {
  pool.addParticipant(ROOM, participantId);
  const bot = new MediaBot(
    {
      publish: (sdp, tracks) => pool.publish(ROOM, participantId, sdp, tracks),
      subscribe: (sdp) => pool.subscribe(ROOM, participantId, sdp),
      subscriberAnswer: (sdp) => pool.subscriberAnswer(ROOM, participantId, sdp),
    },
    options,
  );
  bots.set(participantId, bot);
  await bot.startSubscribing();
  if (publish) await bot.startPublishing({ audio: true, video: true });
  return bot;
}

describe('video paused for a subscriber’s bandwidth, in a media worker', () => {
  it('reaches the control plane from the worker, once', async () => {
    pool.openRoom(ROOM);
    await join('alice', { transportCc: true, simulcast: true }, true);
    await join('bob', { subscriberTransportCc: true, subscriberFeedbackLoss: 10 }, false);
    await waitFor('Bob’s video paused', () => events.length > 0, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(events).toEqual([
      { roomId: ROOM, subscriberId: 'bob', participantId: 'alice', source: 'camera', paused: true },
    ]);
  }, 45_000);
});
