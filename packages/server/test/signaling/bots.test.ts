import { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMedia } from '../support/real-media.js';
import { waitFor } from '../support/wait-for.js';
import { SignalingClient, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let hostCookie: string;

beforeAll(async () => {
  server = await startTestServer(realMedia);
  hostCookie = await server.signedInCookie('bot-host');
});
afterAll(async () => {
  await server.close();
});

/** A participant as the web app is one: a signaling socket plus publish and subscribe connections. */
async function participant(room: string, name: string, cookie?: string) {
  const client = await SignalingClient.connect(server.wsUrl, cookie ? { cookie } : {});
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
  const joined = await client.join(room, name);
  expect(joined.ok).toBe(true);
  const self = (await client.waitForEvent('joined')).self;
  await bot.startSubscribing();
  await bot.startPublishing({ audio: true, video: true });
  return { client, bot, id: self.id };
}

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('meetings over real signaling and real WebRTC (bots)', () => {
  it('forwards every participant’s audio and video to the others, and stops when one leaves', async () => {
    const room = `bots-${Date.now().toString(36)}`;
    const a = await participant(room, 'Ada', hostCookie);
    const b = await participant(room, 'Bob');
    const c = await participant(room, 'Cy');
    for (const [receiver, sender] of [
      [a, b],
      [a, c],
      [b, a],
      [b, c],
      [c, a],
      [c, b],
    ] as const) {
      for (const source of ['mic', 'camera']) {
        await waitFor(
          `${source} of ${sender.id} at ${receiver.id}`,
          () => packets(receiver.bot, `${sender.id}:${source}`) > 20,
          {
            timeoutMs: 10_000,
          },
        );
      }
    }
    // Nobody receives their own media back.
    expect(packets(a.bot, `${a.id}:camera`)).toBe(0);

    await c.client.close();
    await c.bot.close();
    const left = await a.client.waitForEvent('participant-left');
    expect(left.participantId).toBe(c.id);
    await waitFor(
      'c’s tracks removed at a',
      () => !a.bot.subscribedTracks().some((t) => t.participantId === c.id),
    );
    const frozen = packets(b.bot, `${c.id}:camera`);
    // b still gets a's video while c's count stays where it was.
    const fromA = packets(b.bot, `${a.id}:camera`);
    await waitFor('more video from a at b', () => packets(b.bot, `${a.id}:camera`) > fromA + 30);
    expect(packets(b.bot, `${c.id}:camera`)).toBe(frozen);

    for (const p of [a, b]) {
      await p.client.close();
      await p.bot.close();
    }
    await waitFor('the SFU freed everything', () => {
      const stats = server.media.stats();
      return stats.peerConnections === 0 && stats.subscriptions === 0 && stats.rooms === 0;
    });
  });

  it('keeps a meeting going when another socket sends garbage and bad SDP', async () => {
    const room = `bots-bad-${Date.now().toString(36)}`;
    const a = await participant(room, 'Ada', hostCookie);
    const b = await participant(room, 'Bob');
    await waitFor('video a→b', () => packets(b.bot, `${a.id}:camera`) > 10, { timeoutMs: 10_000 });

    const rogue = await SignalingClient.connect(server.wsUrl);
    await rogue.join(room, 'Rogue');
    await rogue.waitForEvent('joined');
    const bad = await rogue.send({
      type: 'publish',
      sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n',
      tracks: [{ mid: '0', source: 'camera' }],
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'negotiation-failed' } });
    expect(await rogue.send({ type: 'subscriber-answer', sdp: 'nonsense' })).toMatchObject({ ok: false });
    rogue.socket.send('\u0000\u0001 not json');
    await rogue.nextErrorWithoutId();

    const before = packets(b.bot, `${a.id}:camera`);
    await waitFor('video a→b keeps flowing', () => packets(b.bot, `${a.id}:camera`) > before + 30);
    for (const p of [a, b]) {
      await p.client.close();
      await p.bot.close();
    }
    await rogue.close();
  });

  it('tells everyone who speaks, and takes the sizes at which videos are shown', async () => {
    const room = `bots-speak-${Date.now().toString(36)}`;
    const a = await participant(room, 'Ada', hostCookie);
    const b = await participant(room, 'Bob');
    await waitFor('audio a→b', () => packets(b.bot, `${a.id}:mic`) > 10, { timeoutMs: 10_000 });
    b.bot.setAudioLevel(127); // silence (-127 dBov)
    a.bot.setAudioLevel(10); // speaking
    const speaking = await b.client.waitForEvent(
      'active-speakers',
      (e) => e.participantIds.length === 1 && e.participantIds[0] === a.id,
      10_000,
    );
    expect(speaking.participantIds).toEqual([a.id]);
    expect(
      await b.client.send({
        type: 'video-size',
        participantId: a.id,
        source: 'camera',
        width: 320,
        height: 180,
      }),
    ).toMatchObject({ ok: true, result: {} });
    for (const p of [a, b]) {
      await p.client.close();
      await p.bot.close();
    }
  });
});
