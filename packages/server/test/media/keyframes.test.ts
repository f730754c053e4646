import type { MediaBot } from '@parley/media-bot';
import { KEYFRAME_REQUEST_INTERVAL_MS } from '@parley/sfu/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('a resumed video whose key frame request went unanswered', () => {
  // Last-N 1: dave gets the camera of his most recent speaker only. Bob's camera sends key frames
  // only when asked, and ignores the first request after the switch (a lost PLI).
  const SPEAKING = 20;
  const SILENT = 127;
  let harness: MediaHarness;

  beforeAll(() => {
    harness = new MediaHarness(undefined, { lastN: 1 });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('asks again within the interval, so the video resumes without waiting for a periodic key frame', async () => {
    const room = 'room-lost-keyframe-request';
    const alice = await harness.join(room, 'alice', undefined, { audioLevel: SPEAKING });
    const bob = await harness.join(room, 'bob', undefined, { audioLevel: SILENT, periodicKeyframes: false });
    const dave = await harness.join(room, 'dave', null);
    const bobCamera = () => dave.received().get('bob:camera')?.packets ?? 0;
    await waitFor(
      'dave receiving alice’s camera',
      () => (dave.received().get('alice:camera')?.packets ?? 0) > 50,
    );
    // Bob's camera is held for dave (last-N): its count stops growing (checked over 300 ms).
    let held = bobCamera();
    await waitFor('bob’s camera held for dave', async () => {
      const before = held;
      await new Promise((resolve) => setTimeout(resolve, 300));
      held = bobCamera();
      return held === before;
    });

    // No request pending or recent: the one the resume makes goes out at once, and is the one lost.
    await waitFor('no key frame request pending', () => harness.plane.stats().timers === 0);
    const quiet = Date.now() + KEYFRAME_REQUEST_INTERVAL_MS;
    await waitFor('interval elapsed', () => Date.now() > quiet, {
      timeoutMs: 2 * KEYFRAME_REQUEST_INTERVAL_MS,
    });
    const requestsBefore = bob.pliReceived();
    bob.ignoreKeyframeRequests(1);
    alice.setAudioLevel(SILENT);
    bob.setAudioLevel(SPEAKING);
    // The first request is lost; the one after it (about a second later) brings the key frame.
    await waitFor('dave receiving bob’s camera', () => bobCamera() > held + 20, {
      timeoutMs: 4 * KEYFRAME_REQUEST_INTERVAL_MS,
    });
    expect(dave.received().get('bob:camera')!.keyframes).toBeGreaterThan(0);
    expect(bob.pliReceived()).toBeGreaterThanOrEqual(requestsBefore + 2);
    expect(harness.errors).toEqual([]);
  });
});
