import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-renegotiation';
const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;
const sources = (bot: MediaBot, participantId: string) =>
  bot
    .subscribedTracks()
    .filter((track) => track.participantId === participantId)
    .map((track) => track.source)
    .sort();

describe('publish renegotiation', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(ROOM, 'alice');
    bob = await harness.join(ROOM, 'bob');
    await waitFor('bob receiving alice', () => packets(bob, 'alice:camera') > 0);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('forwards a screen share added to a running publish connection', async () => {
    await alice.publishSource('screen', '2');
    await waitFor('bob offered alice’s screen', () => sources(bob, 'alice').includes('screen'));
    expect(sources(bob, 'alice')).toEqual(['camera', 'mic', 'screen']);
    await waitFor('bob receiving the screen share', () => packets(bob, 'alice:screen') > 30);
    expect(bob.received().get('alice:screen')?.keyframes).toBeGreaterThan(0);
    expect(harness.plane.stats()).toMatchObject({ publishedTracks: 5, subscriptions: 5 });
  });

  it('stops forwarding a track missing from the next publish, and removes it at subscribers', async () => {
    await alice.unpublishSource('screen');
    await waitFor('alice’s screen removed at bob', () => !sources(bob, 'alice').includes('screen'));
    const screen = packets(bob, 'alice:screen');
    const camera = packets(bob, 'alice:camera');
    await waitFor('more camera packets', () => packets(bob, 'alice:camera') > camera + 60);
    expect(packets(bob, 'alice:screen')).toBe(screen);
    expect(harness.plane.stats()).toMatchObject({ publishedTracks: 4, subscriptions: 4 });
  });

  it('follows an m-line reused for another source', async () => {
    // Camera off (its m-line goes inactive), then the same m-line carries a screen share.
    await alice.unpublishSource('camera');
    await waitFor('alice’s camera removed at bob', () => !sources(bob, 'alice').includes('camera'));
    const screenBefore = packets(bob, 'alice:screen');
    await alice.publishSource('screen', '1');
    await waitFor('bob offered the screen again', () => sources(bob, 'alice').includes('screen'));
    expect(sources(bob, 'alice')).toEqual(['mic', 'screen']);
    await waitFor(
      'bob receiving the screen on the reused m-line',
      () => packets(bob, 'alice:screen') > screenBefore + 30,
    );
    expect(harness.plane.stats()).toMatchObject({ publishedTracks: 4, subscriptions: 4 });
    expect(harness.errors).toEqual([]);
  });
});
