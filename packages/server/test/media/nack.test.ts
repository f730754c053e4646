import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('5 % loss towards a subscriber of a simulcast camera', () => {
  let harness: MediaHarness;
  let bob: MediaBot;
  const camera = () => bob.received().get('alice:camera');

  beforeAll(async () => {
    harness = new MediaHarness();
    await harness.join(ROOM, 'alice', { audio: true, video: true }, { simulcast: true });
    // Every 20th video packet to bob is lost once, in a relay before decryption (like a network).
    bob = await harness.join(ROOM, 'bob', null, { downlinkLoss: 20 });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('keeps the video whole: every loss recovered from the cache, also across a layer switch', async () => {
    await waitFor('twenty retransmissions recovered at bob', () => bob.nackStats().recovered >= 20);
    // Rewritten sequence numbers (the switch below) must map back to the right cached packets.
    harness.plane.setVideoSize(ROOM, 'bob', 'alice', 'camera', 320, 180);
    await waitFor('bob on the 180p layer', () => camera()?.lastFill === 0xa0);
    const recovered = bob.nackStats().recovered;
    await waitFor(
      'more losses recovered on the new layer',
      () => bob.nackStats().recovered >= recovered + 5,
      {
        timeoutMs: 10_000,
      },
    );
    const { sent } = bob.nackStats();
    // Every NACKed packet came back except those still in flight: nothing the decoder would miss.
    expect(sent - bob.nackStats().recovered).toBeLessThanOrEqual(3);
    expect(harness.errors).toEqual([]);
  });
});

describe('NACK answers for a publisher with its own VP8 payload type (Firefox: 120)', () => {
  let harness: MediaHarness;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    await harness.join(
      ROOM,
      'alice',
      { audio: true, video: true },
      { payloadTypes: { opus: 109, vp8: 120 } },
    );
    bob = await harness.join(ROOM, 'bob', null, { downlinkLoss: 16 });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('resends under the payload type the subscriber negotiated (96), not the publisher’s', async () => {
    await waitFor('ten retransmissions recovered at bob', () => bob.nackStats().recovered >= 10);
    expect([...bob.received().get('alice:camera')!.payloadTypes]).toEqual([96]);
    expect(harness.errors).toEqual([]);
  });
});
