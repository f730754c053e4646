import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';

/** A node misses this long of heartbeats and the others count it as gone. */
export const HEARTBEAT_TTL_MS = 6000;
export const HEARTBEAT_INTERVAL_MS = 2000;

/** What a node tells the others about itself (the value of its heartbeat key). */
export interface NodeInfo {
  id: string;
  /** How other nodes reach its HTTP and WebSocket endpoints (PARLEY_NODE_URL). */
  url: string;
  participants: number;
  meetings: number;
  /** Shutting down: takes no new meetings. */
  draining: boolean;
}

function parse(raw: string | null): NodeInfo | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as NodeInfo;
    return typeof value.id === 'string' && typeof value.url === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** The live nodes of the cluster, as their heartbeat keys say. */
export class NodeDirectory {
  constructor(private readonly redis: Redis) {}

  /** Writes (or renews) this node's heartbeat. */
  async announce(info: NodeInfo): Promise<void> {
    await this.redis.set(RedisKeys.node(info.id), JSON.stringify(info), 'PX', HEARTBEAT_TTL_MS);
  }

  /** Removes this node's heartbeat at once (clean stop), so nobody waits for it to expire. */
  async withdraw(nodeId: string): Promise<void> {
    await this.redis.del(RedisKeys.node(nodeId));
  }

  async get(nodeId: string): Promise<NodeInfo | null> {
    return parse(await this.redis.get(RedisKeys.node(nodeId)));
  }

  /** Every node with a live heartbeat. A cluster has a handful of nodes: a SCAN is cheap. */
  async live(): Promise<NodeInfo[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', RedisKeys.nodePattern, 'COUNT', 100);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.map(parse).filter((node): node is NodeInfo => node !== null);
  }
}

/**
 * Where a new meeting goes: the live, non-draining node with the fewest participants (then the fewest
 * meetings); `preferred` (this node) wins ties, so nothing is forwarded without a reason. Null when
 * every node drains.
 */
export function leastLoaded(nodes: NodeInfo[], preferred: string): NodeInfo | null {
  let best: NodeInfo | null = null;
  for (const node of nodes) {
    if (node.draining) continue;
    if (
      best === null ||
      node.participants < best.participants ||
      (node.participants === best.participants && node.meetings < best.meetings) ||
      (node.participants === best.participants && node.meetings === best.meetings && node.id === preferred)
    ) {
      best = node;
    }
  }
  return best;
}
