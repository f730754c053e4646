import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYFRAME_REQUEST_INTERVAL_MS } from '../../src/media/publication.js';
import type { MediaBot } from '../support/bot.js';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-keyframes';

describe('key frame requests', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(ROOM, 'alice');
    await waitFor('alice published', () => harness.plane.stats().publishedTracks === 2);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('asks the publisher for a key frame as soon as someone subscribes', async () => {
    const before = alice.pliReceived();
    bob = await harness.join(ROOM, 'bob', null);
    await waitFor('a PLI at alice', () => alice.pliReceived() > before);
    await waitFor(
      'a key frame from alice at bob',
      () => (bob.received().get('alice:camera')?.keyframes ?? 0) > 0,
    );
    // Every request the plane sent reached alice's camera (none for audio, none lost).
    await waitFor(
      'all requests delivered',
      () => harness.plane.feedbackStats().keyframeRequestsSent === alice.pliReceived(),
    );
  });

  it('forwards a subscriber’s PLIs to the publisher, at most one per interval', async () => {
    await waitFor('no key frame request pending', () => harness.plane.stats().timers === 0);
    // Let the last request age so the next one goes out at once.
    const quiet = Date.now() + KEYFRAME_REQUEST_INTERVAL_MS;
    await waitFor('interval elapsed', () => Date.now() > quiet, {
      timeoutMs: 2 * KEYFRAME_REQUEST_INTERVAL_MS,
    });
    const before = alice.pliReceived();
    for (let i = 0; i < 10; i++) expect(bob.requestKeyframe('alice:camera')).toBe(true);
    await waitFor('the first PLI at alice', () => alice.pliReceived() > before);
    // The other nine collapse into one delayed request at the end of the interval.
    await waitFor('the delayed PLI at alice', () => alice.pliReceived() === before + 2, {
      timeoutMs: 4 * KEYFRAME_REQUEST_INTERVAL_MS,
    });
    await waitFor('no key frame request pending', () => harness.plane.stats().timers === 0);
    expect(alice.pliReceived()).toBe(before + 2);
  });

  it('asks every publisher of the room for a key frame on request (end-to-end key change)', async () => {
    await waitFor('no key frame request pending', () => harness.plane.stats().timers === 0);
    const quiet = Date.now() + KEYFRAME_REQUEST_INTERVAL_MS;
    await waitFor('interval elapsed', () => Date.now() > quiet, {
      timeoutMs: 2 * KEYFRAME_REQUEST_INTERVAL_MS,
    });
    const before = alice.pliReceived();
    harness.plane.requestKeyframes(ROOM);
    await waitFor('a PLI at alice', () => alice.pliReceived() === before + 1);
    // Unknown rooms are ignored.
    harness.plane.requestKeyframes('no-such-room');
  });
});
