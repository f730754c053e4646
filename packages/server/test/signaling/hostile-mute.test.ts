import { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMedia } from '../support/real-media.js';
import { waitFor } from '../support/wait-for.js';
import { SignalingClient, startTestServer } from './harness.js';

// Issue #13, point 5: a hard mute must hold against a participant who republishes their microphone
// under another label, over real signaling and real DTLS-SRTP.
let server: Awaited<ReturnType<typeof startTestServer>>;
let hostCookie: string;

beforeAll(async () => {
  server = await startTestServer(realMedia);
  hostCookie = await server.signedInCookie('mute-host');
});
afterAll(async () => {
  await server.close();
});

async function participant(
  room: string,
  name: string,
  options: { cookie?: string; clientKey?: string } = {},
) {
  const client = await SignalingClient.connect(
    server.wsUrl,
    options.cookie ? { cookie: options.cookie } : {},
  );
  const bot = new MediaBot({
    publish: async (sdp, tracks) => {
      const reply = await client.send({ type: 'publish', sdp, tracks });
      if (!reply.ok) throw new Error(reply.error.message);
      return (reply.result as { sdp: string }).sdp;
    },
    subscribe: async (sdp) => {
      const reply = await client.send({ type: 'subscribe', sdp });
      if (!reply.ok) throw new Error(reply.error.message);
      return (reply.result as { sdp: string }).sdp;
    },
    subscriberAnswer: async (sdp) => {
      const reply = await client.send({ type: 'subscriber-answer', sdp });
      if (!reply.ok) throw new Error(reply.error.message);
    },
  });
  client.onEvent((event) => {
    if (event.type === 'subscriber-offer') void bot.handleSubscriberOffer(event.sdp, event.tracks);
  });
  const joined = await client.join(room, name, options.clientKey ? { clientKey: options.clientKey } : {});
  expect(joined.ok).toBe(true);
  const self = (await client.waitForEvent('joined')).self;
  await bot.startSubscribing();
  await bot.startPublishing({ audio: true, video: true });
  return { client, bot, id: self.id };
}

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

/** Waits until a packet count stops growing, and returns where it settled. */
async function settled(count: () => number): Promise<number> {
  let last = count();
  await waitFor('the count settles', async () => {
    const before = last;
    await new Promise((resolve) => setTimeout(resolve, 150));
    last = count();
    return last === before;
  });
  return last;
}

describe('a hard mute against a hostile participant (real media)', () => {
  it('holds when they republish their microphone as screen audio, and another meeting keeps its audio', async () => {
    const room = `mute-${Date.now().toString(36)}`;
    const host = await participant(room, 'Hana', { cookie: hostCookie });
    const mallory = await participant(room, 'Mallory');
    const otherRoom = `mute-other-${Date.now().toString(36)}`;
    const otherHost = await participant(otherRoom, 'Olga', {
      cookie: await server.signedInCookie('other-host'),
    });
    const otherGuest = await participant(otherRoom, 'Oskar');
    await waitFor('host hears mallory', () => packets(host.bot, `${mallory.id}:mic`) > 10, {
      timeoutMs: 10_000,
    });

    expect(await host.client.send({ type: 'mute', participantId: mallory.id, hard: true })).toMatchObject({
      ok: true,
    });
    await mallory.client.waitForEvent('muted-by-moderator');
    const micPacketsWhenHeld = await settled(() => packets(host.bot, `${mallory.id}:mic`));

    // A (fake) screen share with an audio track: the microphone's audio under another label.
    await mallory.bot.publishSource('screen', '2');
    await mallory.bot.publishSource('screen-audio', '3');
    await waitFor('host sees the screen share', () => packets(host.bot, `${mallory.id}:screen`) > 30, {
      timeoutMs: 10_000,
    });
    // The screen video flows; neither audio track does.
    expect(packets(host.bot, `${mallory.id}:screen-audio`)).toBe(0);
    expect(packets(host.bot, `${mallory.id}:mic`)).toBe(micPacketsWhenHeld);
    // Another meeting on the same server keeps its audio meanwhile.
    const other = packets(otherHost.bot, `${otherGuest.id}:mic`);
    await waitFor(
      'the other meeting hears its guest',
      () => packets(otherHost.bot, `${otherGuest.id}:mic`) > other + 20,
    );
    expect(packets(host.bot, `${mallory.id}:screen-audio`)).toBe(0);

    // Once a moderator allows it and Mallory unmutes, her audio flows again (the hold was the mute).
    await host.client.send({ type: 'allow-unmute', participantId: mallory.id });
    await mallory.client.waitForEvent('unmute-allowed');
    expect(await mallory.client.send({ type: 'set-muted', source: 'mic', muted: false })).toMatchObject({
      ok: true,
    });
    await waitFor(
      'screen audio flows after unmuting',
      () => packets(host.bot, `${mallory.id}:screen-audio`) > 10,
      {
        timeoutMs: 10_000,
      },
    );
    for (const p of [host, mallory, otherHost, otherGuest]) {
      await p.client.close();
      await p.bot.close();
    }
  });
});
