import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Audio NACK over real DTLS-SRTP: the SFU offers `a=rtcp-fb:111 nack` on every audio m-line; a
 * subscriber whose answer keeps it (these bots; no browser here does) gets its lost Opus packets
 * again from the microphone's cache — for a RED microphone and a subscriber without RED, as the
 * primary block.
 */
const ROOM = 'room-audio-nack';

describe.each([
  { name: 'Opus', red: false, payloadType: 111, smallest: 60 },
  { name: 'Opus RED to a subscriber without RED', red: true, payloadType: 111, smallest: 60 },
])(
  'audio NACK: $name, 1 in 16 audio packets lost towards the subscriber',
  ({ red, payloadType, smallest }) => {
    let harness: MediaHarness;
    let bob: MediaBot;
    const microphone = () => bob.received().get('alice:mic');

    beforeAll(async () => {
      harness = new MediaHarness();
      await harness.join(ROOM, 'alice', { audio: true, video: false }, { red });
      bob = await harness.join(ROOM, 'bob', null, {
        downlinkLoss: 16,
        audioNack: true,
        subscriberRed: false,
      });
    });

    afterAll(async () => {
      await harness.close();
    });

    it('answers the subscriber’s NACKs for audio from the cache', async () => {
      await waitFor('bob offered alice’s microphone', () => bob.lastOffer().includes('m=audio'));
      expect(bob.lastOffer()).toContain('a=rtcp-fb:111 nack');
      await waitFor('eight audio packets recovered at bob', () => bob.nackStats().recovered >= 8, {
        timeoutMs: 10_000,
      });
      const { sent, recovered } = bob.nackStats();
      expect(sent - recovered).toBeLessThanOrEqual(2);
      expect(harness.plane.feedbackStats().retransmissions).toBeGreaterThanOrEqual(recovered);
      // Retransmissions too were plain Opus, the primary block alone for a RED microphone.
      expect(microphone()).toMatchObject({ payloadType, smallestPayload: smallest });
      expect(harness.errors).toEqual([]);
    });
  },
);
