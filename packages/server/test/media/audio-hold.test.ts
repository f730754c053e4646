import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-audio-hold';
const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('a moderator holding a participant’s audio', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(ROOM, 'alice');
    bob = await harness.join(ROOM, 'bob');
    await waitFor('bob hears alice', () => packets(bob, 'alice:mic') > 10);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('stops forwarding the microphone only, and resumes it', async () => {
    harness.plane.setAudioHeld(ROOM, 'alice', true);
    // Packets already on their way may still arrive: wait until the count settles, then check it stays.
    let held = packets(bob, 'alice:mic');
    await waitFor('audio stops', async () => {
      const before = held;
      await new Promise((resolve) => setTimeout(resolve, 100));
      held = packets(bob, 'alice:mic');
      return held === before;
    });
    const video = packets(bob, 'alice:camera');
    await waitFor('video keeps flowing', () => packets(bob, 'alice:camera') > video + 30);
    expect(packets(bob, 'alice:mic')).toBe(held);
    // Alice still hears Bob.
    const fromBob = packets(alice, 'bob:mic');
    await waitFor('alice still hears bob', () => packets(alice, 'bob:mic') > fromBob + 5);

    harness.plane.setAudioHeld(ROOM, 'alice', false);
    await waitFor('audio resumes', () => packets(bob, 'alice:mic') > held + 10);
    // Unknown rooms and participants are ignored.
    expect(() => harness.plane.setAudioHeld('no-room', 'x', true)).not.toThrow();
    expect(() => harness.plane.setAudioHeld(ROOM, 'nobody', true)).not.toThrow();
  });
});
