import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 18.4: a subscriber whose answer rejects its video m-lines (a browser that cannot decode the
 * codec, or one that just says no) gets nothing there, keeps its audio, and goes on negotiating; the
 * others in the meeting are not affected.
 */
const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('a subscriber that rejects video m-lines', () => {
  let harness: MediaHarness;
  let bob: MediaBot;
  let carol: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    await harness.join('room', 'alice');
    bob = await harness.join('room', 'bob', null, { rejectVideo: true });
    carol = await harness.join('room', 'carol', null);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('gets no video there but its audio, while the others get both', async () => {
    await waitFor(
      'carol receiving alice’s video and audio',
      () => packets(carol, 'alice:camera') > 100 && packets(carol, 'alice:mic') > 50,
    );
    await waitFor('bob receiving alice’s audio', () => packets(bob, 'alice:mic') > 100);
    expect(packets(bob, 'alice:camera')).toBe(0);
  });

  it('still negotiates: a participant joining later is heard, and its video is not sent either', async () => {
    const offersBefore = bob.offersHandled();
    await harness.join('room', 'dave');
    await waitFor('bob answering the offer with dave’s tracks', () => bob.offersHandled() > offersBefore);
    await waitFor('bob hearing dave', () => packets(bob, 'dave:mic') > 50);
    await waitFor('carol seeing dave', () => packets(carol, 'dave:camera') > 100);
    expect(packets(bob, 'dave:camera')).toBe(0);
    expect(packets(bob, 'alice:camera')).toBe(0);
  });
});
