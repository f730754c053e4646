import { createSocket } from 'node:dgram';
import { MediaBot } from '@parley/media-bot';
import type { MediaPlaneEvents } from '@parley/sfu';
import { MediaError, MediaWorkerPool } from '@parley/sfu';
import { crashWorker } from '@parley/sfu/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';

/** A pool of media workers on random high UDP ports (other ones when taken). */
async function startPoolOf(workers: number): Promise<MediaWorkerPool & { firstRtcPortForTest: number }> {
  for (let attempt = 1; ; attempt++) {
    // Below Linux's ephemeral range: an idle worker does not hold its port (Sfu holdPort: false).
    const rtcPort = 20000 + 2 * Math.floor(Math.random() * 6000);
    const pool = new MediaWorkerPool(
      { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort },
      workers,
      pino({ level: process.env.MEDIA_TEST_LOG ?? 'silent' }),
    );
    try {
      await pool.ready();
      return Object.assign(pool, { firstRtcPortForTest: rtcPort });
    } catch (error) {
      await pool.close();
      if (attempt === 5) throw error;
    }
  }
}

const startPool = () => startPoolOf(2);

let pool: MediaWorkerPool;
const bots = new Map<string, MediaBot>();
const lost: Array<MediaPlaneEvents['rooms-lost']> = [];

beforeAll(async () => {
  pool = await startPool();
  pool.on('subscriber-offer', ({ participantId, sdp, tracks }) => {
    void bots.get(participantId)?.handleSubscriberOffer(sdp, tracks);
  });
  pool.on('rooms-lost', (event) => lost.push(event));
});
afterAll(async () => {
  for (const bot of bots.values()) await bot.close();
  await pool.close();
  // The pool's workers have their own libdatachannel; this thread's (the bots') is freed here.
  await MediaBot.releaseNative();
});

/** A participant's bot connected through the pool, publishing audio and video. */
async function join(roomId: string, participantId: string): Promise<MediaBot> {
  pool.addParticipant(roomId, participantId);
  bots.get(participantId)?.close();
  const bot = new MediaBot({
    publish: (sdp, tracks) => pool.publish(roomId, participantId, sdp, tracks),
    subscribe: (sdp) => pool.subscribe(roomId, participantId, sdp),
    subscriberAnswer: (sdp) => pool.subscriberAnswer(roomId, participantId, sdp),
  });
  bots.set(participantId, bot);
  await bot.startSubscribing();
  await bot.startPublishing({ audio: true, video: true });
  return bot;
}

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('MediaWorkerPool', () => {
  it('puts two rooms on different workers and forwards media in both', async () => {
    pool.openRoom('room-a');
    pool.openRoom('room-b');
    expect(new Set([pool.workerOfRoom('room-a'), pool.workerOfRoom('room-b')])).toEqual(new Set([0, 1]));

    const a1 = await join('room-a', 'a1');
    const a2 = await join('room-a', 'a2');
    const b1 = await join('room-b', 'b1');
    const b2 = await join('room-b', 'b2');
    for (const [receiver, sender] of [
      [a1, 'a2'],
      [a2, 'a1'],
      [b1, 'b2'],
      [b2, 'b1'],
    ] as const) {
      await waitFor(`camera of ${sender}`, () => packets(receiver, `${sender}:camera`) > 20, {
        timeoutMs: 10_000,
      });
    }
    // Nothing crosses rooms.
    expect(packets(a1, 'b1:camera')).toBe(0);

    await waitFor('both workers report forwarding', () =>
      pool.stats().workers?.every((worker) => worker.packetsForwarded > 0),
    );
    const stats = pool.stats();
    expect(stats.workers?.map((w) => [w.rooms, w.participants])).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(stats.rooms).toBe(2);
    expect(stats.participants).toBe(4);
    expect(stats.packetsForwarded).toBe(stats.workers!.reduce((sum, w) => sum + w.packetsForwarded, 0));
  });

  it('passes MediaError codes back from the worker', async () => {
    const bad = pool.publish('room-a', 'a1', 'v=0\r\nnot sdp\r\n', [{ mid: '0', source: 'camera' }]);
    await expect(bad).rejects.toBeInstanceOf(MediaError);
    await expect(bad).rejects.toMatchObject({ code: 'bad-sdp' });
    await expect(pool.subscribe('no-such-room', 'x', 'v=0\r\n')).rejects.toMatchObject({
      code: 'unknown-participant',
    });
    expect(() => pool.addParticipant('room-b', 'a1')).toThrow(MediaError);
  });

  it('refuses to start when a worker’s UDP port is taken, saying which', async () => {
    const taken = createSocket('udp4');
    const port = await new Promise<number>((resolve) =>
      taken.bind(0, '127.0.0.1', () => resolve(taken.address().port)),
    );
    const blocked = new MediaWorkerPool(
      { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: port },
      1,
      pino({ level: 'silent' }),
    );
    try {
      await expect(blocked.ready()).rejects.toThrow(`cannot use UDP port ${port}`);
    } finally {
      await blocked.close();
      taken.close();
    }
  });

  it('refuses a first connection, instead of aborting, when an idle worker’s port was taken', async () => {
    const idle = await startPoolOf(1);
    const port = idle.firstRtcPortForTest;
    const taken = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => taken.bind(port, '127.0.0.1', () => resolve()));
      idle.openRoom('room-idle');
      idle.addParticipant('room-idle', 'p1');
      await expect(idle.subscribe('room-idle', 'p1', 'v=0\r\n')).rejects.toMatchObject({ code: 'closed' });
      taken.close();
      // Free again: the request gets as far as reading the SDP.
      await expect(idle.subscribe('room-idle', 'p1', 'v=0\r\n')).rejects.toMatchObject({ code: 'bad-sdp' });
    } finally {
      await idle.close();
    }
  });

  it('replaces a crashed worker on its port and reports only its rooms lost', async () => {
    const crashed = pool.workerOfRoom('room-a')!;
    const b1 = bots.get('b1')!;
    crashWorker(pool, crashed);
    await waitFor('rooms-lost', () => lost.length > 0);
    expect(lost).toEqual([{ roomIds: ['room-a'] }]);
    expect(pool.workerOfRoom('room-a')).toBeUndefined();
    expect(pool.stats().participants).toBe(2);
    await waitFor('the replacement is up', () => pool.workerStates()[crashed] === 'ready', {
      timeoutMs: 10_000,
    });

    // The other room kept forwarding throughout.
    const before = packets(b1, 'b2:camera');
    await waitFor('room-b keeps forwarding', () => packets(b1, 'b2:camera') > before + 30);

    // The lost room opened again (as the control plane does) forwards again.
    pool.openRoom('room-a');
    const a1 = await join('room-a', 'a1');
    const a2 = await join('room-a', 'a2');
    await waitFor('a1 → a2 again', () => packets(a2, 'a1:camera') > 20, { timeoutMs: 10_000 });
    await waitFor('a2 → a1 again', () => packets(a1, 'a2:camera') > 20, { timeoutMs: 10_000 });
  });
});
