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

/** RENEW_IF_OWNER for many claims in one call: one answer (1 renewed, 0 not ours) per key. */
const RENEW_ALL_IF_OWNER = `
local renewed = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    renewed[i] = redis.call('PEXPIRE', key, ARGV[2])
  else
    renewed[i] = 0
  end
end
return renewed`;

/** Claims renewed per Redis call: keeps each call short, so Redis stays responsive to others. */
const RENEW_BATCH = 500;

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

  /**
   * Extends many of this node's claims at once, in one round trip per RENEW_BATCH claims: the
   * heartbeat tick must renew every claim well within CLAIM_TTL_MS however many meetings (or rooms
   * guests wait in) this node holds. Answers, per key, whether the claim is still this node's.
   */
  async renewAll(roomKeys: string[], nodeId: string): Promise<boolean[]> {
    const renewed: boolean[] = [];
    for (let start = 0; start < roomKeys.length; start += RENEW_BATCH) {
      const keys = roomKeys.slice(start, start + RENEW_BATCH).map((key) => RedisKeys.claim(key));
      const result = (await this.redis.eval(
        RENEW_ALL_IF_OWNER,
        keys.length,
        ...keys,
        nodeId,
        CLAIM_TTL_MS,
      )) as number[];
      for (const each of result) renewed.push(each === 1);
    }
    return renewed;
  }

  /** Gives the meeting up if `nodeId` still holds it (its own meeting ended, or a dead node's claim). */
  async release(roomKey: string, nodeId: string): Promise<boolean> {
    const result = await this.redis.eval(RELEASE_IF_OWNER, 1, RedisKeys.claim(roomKey), nodeId);
    return result === 1;
  }
}
