import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_TTL_MS, MeetingClaims } from '../../src/cluster/meeting-claims.js';
import { RedisKeys } from '../../src/cluster/redis-keys.js';
import { type RunningRedis, startRedis } from '../support/redis.js';

// Issue #13, point 7: a node holding thousands of squatted rooms must still renew every claim well
// within CLAIM_TTL_MS, or its real meetings lose their claims to other nodes.
let redis: RunningRedis;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(`${redis.url}/3`);
}, 60_000);
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

describe('claim renewal with thousands of rooms', () => {
  it('renews 5,000 claims in a few round trips, far below the claim lifetime, and only its own', async () => {
    const claims = new MeetingClaims(client);
    const keys = Array.from({ length: 5000 }, (_, i) => `squatted-room-${i}`);
    for (let i = 0; i < keys.length; i += 500) {
      const pipeline = client.pipeline();
      for (const key of keys.slice(i, i + 500)) pipeline.set(RedisKeys.claim(key), 'node-a', 'PX', 1000);
      await pipeline.exec();
    }
    // One of them belongs to another node now: it must not be renewed.
    await client.set(RedisKeys.claim('squatted-room-7'), 'node-b', 'PX', 1000);

    const started = performance.now();
    const renewed = await claims.renewAll(keys, 'node-a');
    const elapsedMs = performance.now() - started;
    console.log(`claim renewal: ${keys.length} claims in ${elapsedMs.toFixed(0)} ms`);

    expect(renewed.filter(Boolean)).toHaveLength(keys.length - 1);
    expect(renewed[7]).toBe(false);
    expect(await client.pttl(RedisKeys.claim('squatted-room-4999'))).toBeGreaterThan(CLAIM_TTL_MS - 1000);
    expect(await client.pttl(RedisKeys.claim('squatted-room-7'))).toBeLessThanOrEqual(1000);
    // The heartbeat runs every 2 s and a claim lives 6 s: renewal must take a small part of that.
    expect(elapsedMs).toBeLessThan(1000);
  });
});
