import { MediaBot } from '@parley/media-bot';
import type { MediaWorkerPool } from '@parley/sfu';
import { crashWorker } from '@parley/sfu/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraPackets, mediaParticipant } from '../support/media-participant.js';
import { startMediaWorkerPool } from '../support/media-worker-pool.js';
import { waitFor } from '../support/wait-for.js';
import { startTestServer } from './harness.js';

let pool: MediaWorkerPool;
let server: Awaited<ReturnType<typeof startTestServer>>;
let hostCookie: string;

beforeAll(async () => {
  pool = await startMediaWorkerPool(2);
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
