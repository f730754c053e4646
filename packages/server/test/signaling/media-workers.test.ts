import { MediaBot } from '@parley/media-bot';
import { MediaWorkerPool } from '@parley/sfu';
import { crashWorker } from '@parley/sfu/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraPackets, mediaParticipant } from '../support/media-participant.js';
import { waitFor } from '../support/wait-for.js';
import { startTestServer } from './harness.js';

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

beforeAll(async () => {
  pool = await startPool();
  server = await startTestServer(() => pool);
  hostCookie = await server.signedInCookie('workers-host');
}, 60_000); // two worker threads (under vitest: each registering tsx first) on a loaded machine
afterAll(async () => {
  await server?.close();
  // The workers' libdatachannel copies are their own; the bots' one (this thread) is freed here.
  await MediaBot.releaseNative();
});

const participant = (room: string, name: string, cookie?: string) =>
  mediaParticipant(server.wsUrl, room, name, cookie);
const packets = cameraPackets;

describe('meetings on media workers', () => {
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

    crashWorker(pool, crashed);
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
