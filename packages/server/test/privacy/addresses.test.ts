import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFiles } from '../../src/privacy/inventory.js';
import { IpHasher } from '../../src/privacy/ip-hasher.js';
import { SignalingClient } from '../signaling/harness.js';
import { startPrivacyServer } from './in-process-server.js';

const GUEST_IP = '203.0.113.77';
const HOST_IP = '198.51.100.20';

/**
 * Every string reachable from `root` through object properties, Map keys and values, Set and
 * array items, except under the property names in `skip`. (Truly private `#fields` are out of
 * reach; the stores they would hold are covered by the inventory declarations instead.)
 */
function reachableStrings(root: unknown, skip: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      found.push(value);
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) return;
    if (value instanceof Map) {
      for (const [key, item] of value) {
        visit(key);
        visit(item);
      }
      return;
    }
    if (value instanceof Set || Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    for (const [key, item] of Object.entries(value)) if (!skip.has(key)) visit(item);
  };
  visit(root);
  return found;
}

/** The meetings as the room code keeps them, without the connections and the media plane. */
const ROOM_STATE_ONLY = new Set(['logger', 'media', 'channel']);

describe('client addresses', () => {
  let server: Awaited<ReturnType<typeof startPrivacyServer>>;

  beforeAll(async () => {
    server = await startPrivacyServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('are never stored with a room; a removed guest’s keyed hash is dropped when the key rotates', async () => {
    const cookie = await server.signedInCookie('hosting-person');
    const host = await SignalingClient.connect(server.wsUrl, { cookie, 'x-forwarded-for': HOST_IP });
    const guest = await SignalingClient.connect(server.wsUrl, { 'x-forwarded-for': GUEST_IP });
    const join = { type: 'join', protocolVersion: PROTOCOL_VERSION, room: 'address-test' } as const;
    expect((await host.send({ ...join, displayName: 'Hana' })).ok).toBe(true);
    expect((await guest.send({ ...join, displayName: 'Gina' })).ok).toBe(true);
    const { participant: gina } = await host.waitForEvent('participant-joined');

    const roomState = () => reachableStrings(server.meetings, ROOM_STATE_ONLY);
    // The walk does reach the participants (their display names), so it would see an address too.
    expect(roomState()).toEqual(expect.arrayContaining(['Hana', 'Gina']));
    for (const address of [GUEST_IP, HOST_IP]) {
      expect(roomState().filter((text) => text.includes(address))).toEqual([]);
    }

    const guestHash = server.ipHasher.hash(GUEST_IP);
    expect((await host.send({ type: 'kick', participantId: gina.id })).ok).toBe(true);
    expect(roomState()).toContain(guestHash);
    expect(roomState().filter((text) => text.includes(GUEST_IP))).toEqual([]);

    server.ipHasher.rotate();
    expect(server.ipHasher.hash(GUEST_IP)).not.toBe(guestHash);
    expect(roomState()).not.toContain(guestHash);

    await Promise.all([host.close(), guest.close()]);
  });

  it('are hashed under a key that is held in memory only and never written to the data directory', () => {
    const hasher = new IpHasher(600);
    // The key is a private field: nothing can read, serialise or log it.
    expect(Object.keys(hasher)).toEqual([]);
    expect(JSON.stringify(hasher)).toBe('{}');
    hasher.close();
    const dataDir = path.dirname(server.databaseFile());
    expect(readdirSync(dataDir).filter((file) => !inventoryFiles().includes(file))).toEqual([]);
  });
});
