import { createHmac } from 'node:crypto';

/** Every key Parley writes to Redis starts with this, so one Redis can serve other programs too. */
export const KEY_PREFIX = 'parley:';

/**
 * The names of Parley's Redis keys, in one place (docs/cluster.md lists them; the privacy inventory
 * declares each kind). A room appears only as a keyed hash of its name: whoever reads Redis without
 * the cluster key learns nothing about which rooms exist.
 */
export const RedisKeys = {
  /** The cluster-wide random secret (room hashing, resume tokens, node-to-node authentication). */
  clusterSecret: `${KEY_PREFIX}cluster-secret`,
  /** One node's heartbeat: its internal URL, load and draining flag. */
  node: (nodeId: string) => `${KEY_PREFIX}node:${nodeId}`,
  nodePattern: `${KEY_PREFIX}node:*`,
  /** Which node hosts a meeting (value: the node id). */
  claim: (roomKey: string) => `${KEY_PREFIX}claim:${roomKey}`,
  /** The settings of a meeting that must survive its node (see room-state-store.ts). */
  roomState: (roomKey: string) => `${KEY_PREFIX}room:${roomKey}`,
  /** A meeting a moderator ended (keyed hash of its random id): no resume token may reopen it. */
  endedMeeting: (meetingKey: string) => `${KEY_PREFIX}ended:${meetingKey}`,
} as const;

/** HMAC-SHA256 of `label:value` under the cluster secret, base64url: the only form names reach Redis in. */
export function keyedHash(secret: Buffer, label: string, value: string): string {
  return createHmac('sha256', secret).update(`${label}:${value}`).digest('base64url');
}

/** A key for one purpose, derived from the cluster secret (so one secret serves several uses). */
export function derivedKey(secret: Buffer, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`derive:${purpose}`).digest();
}
