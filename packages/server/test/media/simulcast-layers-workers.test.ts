import { MediaBot } from '@parley/media-bot';
import type { MediaPlaneEvents, MediaWorkerPool } from '@parley/sfu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaWorkerPool } from '../support/media-worker-pool.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Dynacast with the SFU in a media worker: `simulcast-layers` (simulcast-layers.test.ts) crosses the
 * worker boundary like every other media plane event, and the publisher's bot acts on it.
 */
const ROOM = 'room-simulcast-layers-worker';

let pool: MediaWorkerPool;
const bots = new Map<string, MediaBot>();
const events: MediaPlaneEvents['simulcast-layers'][] = [];

beforeAll(async () => {
  pool = await startMediaWorkerPool(1, { pauseUnusedLayers: true });
  pool.on('subscriber-offer', ({ participantId, sdp, tracks }) => {
    void bots.get(participantId)?.handleSubscriberOffer(sdp, tracks);
  });
  pool.on('simulcast-layers', (event) => {
    events.push(event);
    bots.get(event.participantId)?.setActiveLayers(event.source, event.active);
  });
});
afterAll(async () => {
  for (const bot of bots.values()) await bot.close();
  await pool.close();
  // The pool's workers have their own libdatachannel; this thread's (the bots') is freed here.
  await MediaBot.releaseNative();
});

async function join(participantId: string, publish: boolean): Promise<MediaBot> {
  pool.addParticipant(ROOM, participantId);
  const bot = new MediaBot(
    {
      publish: (sdp, tracks) => pool.publish(ROOM, participantId, sdp, tracks),
      subscribe: (sdp) => pool.subscribe(ROOM, participantId, sdp),
      subscriberAnswer: (sdp) => pool.subscriberAnswer(ROOM, participantId, sdp),
    },
    { simulcast: true },
  );
  bots.set(participantId, bot);
  await bot.startSubscribing();
  if (publish) await bot.startPublishing({ audio: true, video: true });
  return bot;
}

describe('simulcast layers nobody takes, with the SFU in a media worker', () => {
  it('reaches the control plane from the worker, and the publisher stops the middle layer', async () => {
    pool.openRoom(ROOM);
    const alice = await join('alice', true);
    const bob = await join('bob', false);
    pool.setVideoSize(ROOM, 'bob', 'alice', 'camera', 1280, 720);
    await waitFor('Alice told to pause her middle layer', () => events.length > 0, { timeoutMs: 15_000 });
    expect(events).toEqual([
      { roomId: ROOM, participantId: 'alice', source: 'camera', active: [true, false, true] },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = alice.sentLayerPackets('camera');
    const bobBefore = bob.received().get('alice:camera')?.packets ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sent = alice.sentLayerPackets('camera').map((packets, layer) => packets - before[layer]!);
    expect(sent[1]).toBe(0);
    expect(sent[2]).toBeGreaterThan(20);
    expect((bob.received().get('alice:camera')?.packets ?? 0) - bobBefore).toBeGreaterThan(20);
  }, 30_000);
});
