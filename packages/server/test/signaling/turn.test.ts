import { createHmac } from 'node:crypto';
import { TURN_CREDENTIAL_LIFETIME_S } from '@parley/sfu';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeMedia } from './fake-media.js';
import { SignalingClient, startTestServer } from './harness.js';

const SECRET = 'shared-with-coturn';
const URLS = 'turn:turn.example:3478?transport=udp, turns:turn.example:5349?transport=tcp';

let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Joins a fresh room as its signed-in host and returns the `joined` event. */
async function joinAsHost(running: Awaited<ReturnType<typeof startTestServer>>, username: string) {
  const cookie = await running.signedInCookie(username);
  const client = await SignalingClient.connect(running.wsUrl, { cookie });
  expect(await client.join(`turn-${Math.random().toString(36).slice(2, 10)}`, 'Hana')).toMatchObject({
    ok: true,
  });
  const joined = await client.waitForEvent('joined');
  await client.close();
  return joined;
}

describe('TURN credentials in the joined event', () => {
  it('hands every joiner fresh coturn credentials for the configured URLs, and the relay-only policy', async () => {
    const running = await startTestServer(() => fakeMedia().media, {
      PARLEY_TURN_URLS: URLS,
      PARLEY_TURN_SECRET: SECRET,
      PARLEY_ICE_RELAY_ONLY: '1',
    });
    server = running;
    const before = Math.floor(Date.now() / 1000);
    const first = await joinAsHost(running, 'host-one');
    const second = await joinAsHost(running, 'host-two');
    const after = Math.floor(Date.now() / 1000);

    expect(first.iceTransportPolicy).toBe('relay');
    const [ice, ...more] = first.iceServers;
    expect(more).toEqual([]);
    expect(ice?.urls).toEqual([
      'turn:turn.example:3478?transport=udp',
      'turns:turn.example:5349?transport=tcp',
    ]);
    const username = ice?.username ?? '';
    const expiry = Number(username.split(':')[0]);
    expect(expiry).toBeGreaterThanOrEqual(before + TURN_CREDENTIAL_LIFETIME_S);
    expect(expiry).toBeLessThanOrEqual(after + TURN_CREDENTIAL_LIFETIME_S);
    // What coturn checks: the password is the HMAC of the username under the shared secret.
    expect(ice?.credential).toBe(createHmac('sha1', SECRET).update(username).digest('base64'));
    // Nothing about the person or the room in the username.
    expect(username).not.toMatch(/Hana|host-one|turn-/);
    expect(second.iceServers[0]?.username).not.toBe(username);
  });

  it('sends no ICE servers and no policy without TURN settings', async () => {
    const running = await startTestServer(() => fakeMedia().media);
    server = running;
    const joined = await joinAsHost(running, 'host-three');
    expect(joined.iceServers).toEqual([]);
    expect(joined.iceTransportPolicy).toBeUndefined();
  });
});
