import { MediaBot } from '@parley/media-bot';
import type { MediaPlaneEvents, MediaWorkerPool } from '@parley/sfu';
import { misbehaveWorker } from '@parley/sfu/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startMediaWorkerPool } from '../support/media-worker-pool.js';
import { waitFor } from '../support/wait-for.js';

const bots: MediaBot[] = [];
const pools: MediaWorkerPool[] = [];
afterAll(async () => {
  for (const bot of bots) await bot.close();
  for (const pool of pools) await pool.close();
  await MediaBot.releaseNative();
});

async function join(pool: MediaWorkerPool, roomId: string, participantId: string): Promise<MediaBot> {
  pool.addParticipant(roomId, participantId);
  const bot = new MediaBot({
    publish: (sdp, tracks) => pool.publish(roomId, participantId, sdp, tracks),
    subscribe: (sdp) => pool.subscribe(roomId, participantId, sdp),
    subscriberAnswer: (sdp) => pool.subscriberAnswer(roomId, participantId, sdp),
  });
  bots.push(bot);
  pool.on('subscriber-offer', (event) => {
    if (event.participantId === participantId)
      bot.handleSubscriberOffer(event.sdp, event.tracks).catch(() => {});
  });
  await bot.startSubscribing();
  await bot.startPublishing({ audio: true, video: true });
  return bot;
}

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('the media worker watchdog', () => {
  it('takes a worker whose thread stopped answering out of service, replaces it once it answers; the other worker’s meeting keeps its media', async () => {
    const pool = await startMediaWorkerPool(2, {}, { stallMs: 1500 });
    pools.push(pool);
    const lost: Array<MediaPlaneEvents['rooms-lost']> = [];
    pool.on('rooms-lost', (event) => lost.push(event));
    pool.openRoom('stuck-room');
    pool.openRoom('fine-room');
    const stuck = pool.workerOfRoom('stuck-room')!;
    expect(pool.workerOfRoom('fine-room')).toBe(1 - stuck);
    await join(pool, 'stuck-room', 's1');
    const f1 = await join(pool, 'fine-room', 'f1');
    await join(pool, 'fine-room', 'f2');
    await waitFor('video in the fine room', () => packets(f1, 'f2:camera') > 20, { timeoutMs: 10_000 });

    const stalledAt = Date.now();
    misbehaveWorker(pool, stuck, { stallMs: 4000 });
    await waitFor('the stuck worker’s room reported lost', () => lost.length > 0, { timeoutMs: 6000 });
    const detectedMs = Date.now() - stalledAt;
    expect(lost[0]!.roomIds).toEqual(['stuck-room']);
    expect(pool.watchdogReplacements()[stuck]).toBe(1);
    expect(detectedMs).toBeLessThan(4000);
    // The other meeting never stopped.
    const before = packets(f1, 'f2:camera');
    await waitFor('video keeps flowing in the fine room', () => packets(f1, 'f2:camera') > before + 50);
    expect(pool.watchdogReplacements()[1 - stuck]).toBe(0);
    // Back from its loop, the stuck worker is closed properly and replaced on its port.
    await waitFor('a fresh worker in its place', () => pool.workerStates()[stuck] === 'ready', {
      timeoutMs: 15_000,
    });
    pool.openRoom('next-room');
    pool.addParticipant('next-room', 'n1');
    expect(pool.workerOfRoom('next-room')).toBe(stuck);
  }, 40_000);

  it('recycles a worker whose JavaScript heap runs away', async () => {
    const pool = await startMediaWorkerPool(1, {}, { heapMb: 64 });
    pools.push(pool);
    pool.openRoom('leaky-room');
    const lost: Array<MediaPlaneEvents['rooms-lost']> = [];
    pool.on('rooms-lost', (event) => lost.push(event));
    const rssBefore = process.memoryUsage().rss;
    misbehaveWorker(pool, 0, 'leak');
    await waitFor('the leaking worker’s room reported lost', () => lost.length > 0, { timeoutMs: 10_000 });
    await waitFor('a new worker up', () => pool.workerStates()[0] === 'ready', { timeoutMs: 10_000 });
    expect((process.memoryUsage().rss - rssBefore) / 2 ** 20).toBeLessThan(400);
    pool.openRoom('after-leak');
    expect(pool.workerOfRoom('after-leak')).toBe(0);
  }, 30_000);
});
