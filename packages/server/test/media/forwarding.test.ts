import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-forwarding';
const PARTICIPANTS = ['alice', 'bob', 'carol'];

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('a room of three bots', () => {
  let harness: MediaHarness;
  const bots = new Map<string, MediaBot>();

  beforeAll(async () => {
    harness = new MediaHarness();
    bots.set('alice', await harness.join(ROOM, 'alice'));
    // Bob offers Firefox's payload type numbers: subscribers must still see 111/96.
    bots.set('bob', await harness.join(ROOM, 'bob', undefined, { payloadTypes: { opus: 109, vp8: 120 } }));
    bots.set('carol', await harness.join(ROOM, 'carol'));
  });

  afterAll(async () => {
    await harness.close();
  });

  it('delivers every other participant’s audio and video, with SSRC and payload type rewritten', async () => {
    for (const [id, bot] of bots) {
      const others = PARTICIPANTS.filter((other) => other !== id);
      // A key frame comes on the subscriber's request, which the SFU may delay (throttled per
      // publication while three join at once): wait for it too, not only for packets.
      await waitFor(`${id} receiving from ${others.join(' and ')}`, () =>
        others.every(
          (other) =>
            packets(bot, `${other}:mic`) > 10 &&
            packets(bot, `${other}:camera`) > 30 &&
            (bot.received().get(`${other}:camera`)?.keyframes ?? 0) > 0,
        ),
      );
      expect([...bot.received().keys()].filter((key) => key.startsWith(`${id}:`))).toEqual([]);
      expect(bot.subscribedTracks()).toHaveLength(4);
      for (const other of others) {
        const publisher = bots.get(other)!;
        const mic = bot.received().get(`${other}:mic`)!;
        const camera = bot.received().get(`${other}:camera`)!;
        expect(mic.payloadType).toBe(111);
        expect(camera.payloadType).toBe(96);
        expect(mic.ssrc).not.toBe(publisher.publishedSsrc('mic'));
        expect(camera.ssrc).not.toBe(publisher.publishedSsrc('camera'));
        expect(camera.keyframes).toBeGreaterThan(0);
      }
    }
    // Each subscriber has its own SSRC for the same publication.
    const aliceSeesBob = bots.get('alice')!.received().get('bob:camera')!.ssrc;
    const carolSeesBob = bots.get('carol')!.received().get('bob:camera')!.ssrc;
    expect(aliceSeesBob).not.toBe(carolSeesBob);

    expect(harness.errors).toEqual([]);
    const stats = harness.plane.stats();
    expect(stats).toMatchObject({
      rooms: 1,
      participants: 3,
      peerConnections: 6,
      publishedTracks: 6,
      subscriptions: 12,
    });
    expect(stats.packetsForwarded).toBeGreaterThan(6 * 30);
    expect(stats.bytesForwarded).toBeGreaterThan(stats.packetsForwarded * 12);
  });

  it('forwards the publishers’ Sender Reports under each subscriber’s SSRC', async () => {
    const alice = bots.get('alice')!;
    await waitFor('sender reports at alice', () =>
      ['bob:mic', 'bob:camera', 'carol:mic', 'carol:camera'].every(
        (key) => (alice.received().get(key)?.senderReports ?? 0) > 0,
      ),
    );
  });

  it('removes a leaving participant’s tracks from everyone else and stops its packets', async () => {
    const alice = bots.get('alice')!;
    const bob = bots.get('bob')!;
    const offersBefore = [alice.offersHandled(), bob.offersHandled()];
    await harness.leave(ROOM, 'carol');
    bots.delete('carol');

    for (const [bot, before] of [
      [alice, offersBefore[0]!],
      [bob, offersBefore[1]!],
    ] as const) {
      await waitFor('renegotiation without carol', () => bot.offersHandled() > before);
      expect(bot.subscribedTracks().map((t) => t.participantId)).not.toContain('carol');
      expect(bot.subscribedTracks()).toHaveLength(2);
    }

    const carolAtAlice = packets(alice, 'carol:camera');
    const bobAtAlice = packets(alice, 'bob:camera');
    await waitFor('more packets from bob', () => packets(alice, 'bob:camera') > bobAtAlice + 60);
    expect(packets(alice, 'carol:camera')).toBe(carolAtAlice);

    expect(harness.plane.stats()).toMatchObject({
      participants: 2,
      peerConnections: 4,
      publishedTracks: 4,
      subscriptions: 4,
    });
    expect(harness.errors).toEqual([]);
  });
});
