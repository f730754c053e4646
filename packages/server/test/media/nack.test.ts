import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaBot } from '../support/bot.js';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-nack';

describe('NACK', () => {
  let harness: MediaHarness;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    await harness.join(ROOM, 'alice');
    // Every 16th video packet to bob is lost on the way; bob NACKs the gaps.
    bob = await harness.join(ROOM, 'bob', null, { downlinkLoss: 16 });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers a subscriber’s NACK from the packet cache with the subscriber’s SSRC', async () => {
    await waitFor('ten retransmissions recovered at bob', () => bob.nackStats().recovered >= 10);
    const { sent, recovered } = bob.nackStats();
    expect(recovered).toBeLessThanOrEqual(sent);
    // Every NACK but those still in flight was answered.
    expect(sent - recovered).toBeLessThanOrEqual(2);
    expect(harness.plane.feedbackStats().retransmissions).toBeGreaterThanOrEqual(recovered);
    // Retransmissions went out on bob's SSRC for the track: libdatachannel delivered them to it.
    expect(bob.received().get('alice:camera')?.payloadType).toBe(96);
  });
});
