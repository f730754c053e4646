import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';

/** A claim nobody renews is gone after this long, so another node can take the meeting over. */
export const CLAIM_TTL_MS = 6000;

/** Renew only what is still ours: another node may have taken the meeting over meanwhile. */
const RENEW_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Delete only what is (still) held by the given node. */
const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Which node hosts which meeting: one Redis key per meeting (named by the room's keyed hash) holding
 * the hosting node's id. Claiming is atomic (SET NX), so exactly one node hosts a meeting; the host
 * renews the claim while the meeting lives and deletes it when the meeting ends.
 */
export class MeetingClaims {
  constructor(private readonly redis: Redis) {}

  /** True when this node now hosts the meeting (nobody held it). */
  async claim(roomKey: string, nodeId: string): Promise<boolean> {
    const result = await this.redis.set(RedisKeys.claim(roomKey), nodeId, 'PX', CLAIM_TTL_MS, 'NX');
    return result === 'OK';
  }

  /** The id of the node hosting the meeting, or null. */
  owner(roomKey: string): Promise<string | null> {
    return this.redis.get(RedisKeys.claim(roomKey));
  }

  /** Extends this node's claim; false when the claim is no longer this node's. */
  async renew(roomKey: string, nodeId: string): Promise<boolean> {
    const result = await this.redis.eval(RENEW_IF_OWNER, 1, RedisKeys.claim(roomKey), nodeId, CLAIM_TTL_MS);
    return result === 1;
  }

  /** Gives the meeting up if `nodeId` still holds it (its own meeting ended, or a dead node's claim). */
  async release(roomKey: string, nodeId: string): Promise<boolean> {
    const result = await this.redis.eval(RELEASE_IF_OWNER, 1, RedisKeys.claim(roomKey), nodeId);
    return result === 1;
  }
}
