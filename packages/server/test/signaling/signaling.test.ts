import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMedia } from './fake-media.js';
import { SignalingClient, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let hostCookie: string;

beforeAll(async () => {
  server = await startTestServer(() => fakeMedia().media);
  hostCookie = await server.signedInCookie('host-one');
});
afterAll(async () => {
  await server.close();
});

const room = () => `room-${Math.random().toString(36).slice(2, 10)}`;

describe('signaling over a real WebSocket', () => {
  it('admits a waiting guest when a signed-in host joins, and announces a leaver', async () => {
    const name = room();
    const guest = await SignalingClient.connect(server.wsUrl);
    expect(await guest.join(name, 'Gina')).toMatchObject({
      ok: true,
      result: { status: 'waiting-for-host' },
    });

    const host = await SignalingClient.connect(server.wsUrl, { cookie: hostCookie });
    expect(await host.join(name, 'Hana')).toMatchObject({ ok: true, result: { status: 'joined' } });

    const guestJoined = await guest.waitForEvent('joined');
    expect(guestJoined.participants.map((p) => [p.displayName, p.role])).toEqual([['Hana', 'moderator']]);
    expect(guestJoined.self.role).toBe('participant');
    const hostJoined = await host.waitForEvent('joined');
    expect(hostJoined.self.role).toBe('moderator');

    await guest.close();
    const left = await host.waitForEvent('participant-left');
    expect(left.participantId).toBe(guestJoined.self.id);
    await host.close();
  });

  it('lets a guest alone in a room only wait, and a cookie that is not a session counts as guest', async () => {
    const name = room();
    const faker = await SignalingClient.connect(server.wsUrl, { cookie: 'parley_session=forged-token' });
    expect(await faker.join(name, 'Mallory')).toMatchObject({
      ok: true,
      result: { status: 'waiting-for-host' },
    });
    expect(await faker.send({ type: 'publish', sdp: 'v=0', tracks: [] })).toMatchObject({
      ok: false,
      error: { code: 'not-joined' },
    });
    await faker.close();
  });

  it('answers invalid joins with readable errors', async () => {
    const client = await SignalingClient.connect(server.wsUrl);
    const badRoom = await client.join('no spaces!', 'Gina');
    expect(badRoom).toMatchObject({ ok: false, error: { code: 'invalid-room-name' } });
    expect(badRoom.ok === false && badRoom.error.message).toMatch(/letters, digits/);
    expect(await client.join('x'.repeat(65), 'Gina')).toMatchObject({ error: { code: 'invalid-room-name' } });
    expect(await client.join(room(), '   ')).toMatchObject({ error: { code: 'invalid-display-name' } });
    expect(await client.send({ type: 'set-muted', source: 'mic', muted: true })).toMatchObject({
      error: { code: 'not-joined' },
    });
    await client.close();
  });

  it('refuses another protocol version and closes the socket', async () => {
    const client = await SignalingClient.connect(server.wsUrl);
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    const reply = await client.send({ type: 'join', protocolVersion: 999, room: room(), displayName: 'Old' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unsupported-version' } });
    expect(await closed).toBe(4002);
  });

  it('survives malformed and oversized messages without disturbing another meeting', async () => {
    const name = room();
    const host = await SignalingClient.connect(server.wsUrl, { cookie: hostCookie });
    await host.join(name, 'Hana');
    const other = await SignalingClient.connect(server.wsUrl);
    await other.join(name, 'Olga');
    await host.waitForEvent('participant-joined');

    const attacker = await SignalingClient.connect(server.wsUrl);
    attacker.socket.send('{ not json');
    expect(await attacker.nextErrorWithoutId()).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    attacker.socket.send(Buffer.from([1, 2, 3]));
    expect(await attacker.nextErrorWithoutId()).toMatchObject({ error: { code: 'bad-request' } });
    expect(await attacker.sendRaw(JSON.stringify({ type: 'explode', id: 5 }), 5)).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(
      await attacker.sendRaw(JSON.stringify({ type: 'publish', id: 6, sdp: 42, tracks: [] }), 6),
    ).toMatchObject({
      error: { code: 'bad-request' },
    });
    // Not an SDP at all: the media plane rejects it, the session answers, nothing else happens.
    await attacker.join(name, 'Attacker');
    // Once joined, a message over MAX_MESSAGE_BYTES gets an answer (before, it would cut the socket off).
    attacker.socket.send(JSON.stringify({ type: 'leave', id: 1, junk: 'x'.repeat(200_000) }));
    expect(await attacker.nextErrorWithoutId()).toMatchObject({ error: { code: 'too-large' } });
    expect(
      await attacker.send({ type: 'publish', sdp: 'garbage', tracks: [{ mid: '0', source: 'mic' }] }),
    ).toMatchObject({
      ok: false,
      error: { code: 'negotiation-failed' },
    });

    // The meeting goes on: the others still talk to the server.
    expect(
      await other.send({ type: 'publish', sdp: 'v=0 offer', tracks: [{ mid: '0', source: 'mic' }] }),
    ).toMatchObject({
      ok: true,
      result: { sdp: 'v=0 answer' },
    });
    expect(await other.send({ type: 'set-muted', source: 'mic', muted: true })).toMatchObject({ ok: true });
    const update = await host.waitForEvent(
      'participant-updated',
      (e) => e.participant.displayName === 'Olga' && e.participant.tracks[0]?.muted === true,
    );
    expect(update.participant.tracks).toEqual([{ source: 'mic', kind: 'audio', muted: true }]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    for (const c of [attacker, other, host]) await c.close();
  });

  it('limits the message rate of one socket', async () => {
    const client = await SignalingClient.connect(server.wsUrl);
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client.sendRaw(JSON.stringify({ type: 'leave', id: 1000 + i }), 1000 + i).catch(() => null),
      ).slice(0, 60),
    );
    expect(replies.every((r) => r?.ok)).toBe(true);
    for (let i = 0; i < 20; i++) client.socket.send(JSON.stringify({ type: 'leave', id: 5000 + i }));
    expect(await client.nextErrorWithoutId()).toMatchObject({ error: { code: 'rate-limited' } });
    await client.close();
  });

  it('refuses a WebSocket opened from another site', async () => {
    await expect(SignalingClient.connect(server.wsUrl, { origin: 'https://evil.example' })).rejects.toThrow(
      /403/,
    );
    const same = await SignalingClient.connect(server.wsUrl, { origin: server.url });
    await same.close();
  });

  it('rejects a second join on the same connection', async () => {
    const host = await SignalingClient.connect(server.wsUrl, { cookie: hostCookie });
    await host.join(room(), 'Hana');
    expect(await host.join(room(), 'Hana')).toMatchObject({ error: { code: 'already-joined' } });
    await host.close();
    await expect.poll(() => server.meetings.counts().participants).toBe(0);
  });
});
