import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-uplink-loss';

describe('5 % loss between a publisher and the SFU', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;
  const camera = () => bob.received().get('alice:camera')?.packets ?? 0;

  beforeAll(async () => {
    harness = new MediaHarness();
    // Every 20th of alice's video packets is lost once on the way to the SFU (a relay after SRTP).
    alice = await harness.join(ROOM, 'alice', { audio: true, video: true }, { uplinkLoss: 20 });
    bob = await harness.join(ROOM, 'bob', null);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('NACKs the publisher and forwards its retransmissions: subscribers get all but those in flight', async () => {
    await waitFor('bob receiving alice’s camera', () => camera() > 50);
    const sentBefore = alice.sentPackets('camera');
    const receivedBefore = camera();
    // Four seconds: about 600 packets, 30 of them lost once on the way to the SFU.
    await waitFor('600 more packets sent', () => alice.sentPackets('camera') >= sentBefore + 600, {
      timeoutMs: 10_000,
    });
    const sent = alice.sentPackets('camera') - sentBefore;
    const received = camera() - receivedBefore;
    // Read at one moment, the packets still on their way count as missing: the last few sent and the
    // retransmissions under way, ≈ 1 % of 600 with the bots, relay and SFU on one loaded thread (CI:
    // 593 of 600, with at most 3 NACKed and not back). Without the NACKs it would be 95 %; what bob found
    // missing is checked below to have come back.
    expect(received / sent).toBeGreaterThanOrEqual(0.98);
    expect(received).toBeLessThanOrEqual(sent + 2); // no duplicates forwarded
    const { requested, resent } = alice.publisherNackStats();
    expect(resent).toBeGreaterThanOrEqual(25);
    expect(harness.plane.feedbackStats().publisherNacks).toBe(requested);
    // Whatever bob saw missing came late under the number he NACKed (his NACKs found nothing in the
    // SFU's cache): at most those still in flight are missing.
    const { sent: nacked, recovered } = bob.nackStats();
    expect(nacked - recovered).toBeLessThanOrEqual(3);
    expect(harness.errors).toEqual([]);
  });
});

describe('5 % loss between a simulcast publisher and the SFU', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;
  const camera = () => bob.received().get('alice:camera');

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(
      ROOM,
      'alice',
      { audio: true, video: true },
      { simulcast: true, uplinkLoss: 20 },
    );
    bob = await harness.join(ROOM, 'bob', null);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('recovers losses on every layer, also across a layer switch', async () => {
    await waitFor(
      'bob receiving alice’s 720p layer',
      () => camera()?.lastFill === 0xa2 && camera()!.packets > 50,
    );
    await waitFor('ten losses recovered at bob', () => bob.nackStats().recovered >= 10);
    harness.plane.setVideoSize(ROOM, 'bob', 'alice', 'camera', 320, 180);
    await waitFor('bob on the 180p layer', () => camera()?.lastFill === 0xa0);
    const recovered = bob.nackStats().recovered;
    // The 180p layer carries one packet per frame: one loss in 20 frames, 0.8 s.
    await waitFor('losses recovered on the new layer', () => bob.nackStats().recovered >= recovered + 3, {
      timeoutMs: 10_000,
    });
    const { sent, recovered: total } = bob.nackStats();
    expect(sent - total).toBeLessThanOrEqual(3);
    expect(alice.publisherNackStats().resent).toBeGreaterThan(0);
    expect(harness.errors).toEqual([]);
  });
});
