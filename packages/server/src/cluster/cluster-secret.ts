import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';

/** Long enough to outlive any pause of the whole cluster an operator would call maintenance. */
export const CLUSTER_SECRET_TTL_S = 30 * 24 * 3600;

/**
 * Where the secret every node of one cluster shares comes from. It keys room hashes in Redis, signs
 * resume tokens so that any node accepts them, and authenticates connections one node forwards to
 * another.
 *
 * - Configured (PARLEY_CLUSTER_SECRET, the same on every node): never written to Redis, so whoever
 *   reads Redis learns nothing that would let them test guessed room names. Recommended.
 * - Otherwise created by the first node (SET NX) and read by the others; heartbeats keep it alive
 *   and put it back if Redis lost it (a restart without persistence). Whoever can read Redis can then
 *   read the secret: Redis must be reachable by the Parley nodes only (docs/cluster.md).
 */
export interface SecretSource {
  /** The secret, obtained once when the node starts. */
  obtain(): Promise<Buffer>;
  /** With every heartbeat: keeps a stored secret alive. Returns false when Redis holds another one. */
  refresh(current: Buffer): Promise<boolean>;
}

/** A secret from the configuration: the operator's string, hashed to 32 bytes. */
export function configuredSecret(value: string): SecretSource {
  const secret = createHash('sha256').update(`parley-cluster:${value}`).digest();
  return { obtain: async () => secret, refresh: async () => true };
}

/** A random secret kept in Redis under `parley:cluster-secret`. */
export function storedSecret(redis: Redis): SecretSource {
  return {
    async obtain() {
      const candidate = randomBytes(32).toString('base64url');
      await redis.set(RedisKeys.clusterSecret, candidate, 'EX', CLUSTER_SECRET_TTL_S, 'NX');
      const stored = await redis.get(RedisKeys.clusterSecret);
      if (stored === null) throw new Error('The cluster secret vanished from Redis right after it was set.');
      return Buffer.from(stored, 'base64url');
    },
    async refresh(current) {
      const ours = current.toString('base64url');
      // Put it back if Redis lost it, so that a node started later joins the same cluster.
      await redis.set(RedisKeys.clusterSecret, ours, 'EX', CLUSTER_SECRET_TTL_S, 'NX');
      await redis.expire(RedisKeys.clusterSecret, CLUSTER_SECRET_TTL_S);
      return (await redis.get(RedisKeys.clusterSecret)) === ours;
    },
  };
}
