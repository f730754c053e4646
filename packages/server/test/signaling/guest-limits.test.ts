import { PROTOCOL_VERSION } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMedia } from './fake-media.js';
import { SignalingClient, startTestServer } from './harness.js';

// Issue #13, point 7: what guests without an account can make the server hold is bounded, and a
// busy lobby costs each moderator one small message per change.
let server: Awaited<ReturnType<typeof startTestServer>>;
const clients: SignalingClient[] = [];
let addresses = 0;

beforeAll(async () => {
  const fake = fakeMedia();
  server = await startTestServer(() => fake.media, {
    PARLEY_TRUST_PROXY: '1',
    PARLEY_WAITING_GUESTS_PER_ROOM: '3',
    PARLEY_WAITING_GUESTS_TOTAL: '8',
    PARLEY_LOBBY_SIZE: '5',
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

async function connect(cookie?: string): Promise<SignalingClient> {
  addresses++;
  const headers: Record<string, string> = { 'x-forwarded-for': `10.9.${addresses >> 8}.${addresses & 255}` };
  if (cookie) headers.cookie = cookie;
  const client = await SignalingClient.connect(server.wsUrl, headers);
  clients.push(client);
  return client;
}

const room = () => `limits-${Math.random().toString(36).slice(2, 10)}`;

describe('limits on guests without an account', () => {
  it('caps the guests waiting for a host per room and in total, so new room names stop creating rooms', async () => {
    const name = room();
    for (let i = 0; i < 3; i++) {
      expect(await (await connect()).join(name, `Guest ${i}`)).toMatchObject({
        result: { status: 'waiting-for-host' },
      });
    }
    const fourth = await (await connect()).join(name, 'Guest 4');
    expect(fourth).toMatchObject({ ok: false, error: { code: 'rate-limited', retryAfterSeconds: 30 } });
    expect(fourth.ok === false && fourth.error.message).toMatch(/waiting for a host/);

    // Squatting new names: 5 more rooms fill the server-wide cap of 8 waiting guests.
    const roomsBefore = server.meetings.counts().rooms;
    const squatted: string[] = [];
    for (let i = 0; i < 10; i++) {
      const squat = room();
      const reply = await (await connect()).join(squat, 'Squatter');
      if (reply.ok) squatted.push(squat);
      else expect(reply).toMatchObject({ error: { code: 'rate-limited' } });
    }
    expect(squatted).toHaveLength(5);
    expect(server.meetings.counts().rooms).toBe(roomsBefore + 5);

    // A host still opens a meeting; their guests get in as usual.
    const meeting = room();
    const host = await connect(await server.signedInCookie('limits-host'));
    expect(await host.join(meeting, 'Hana')).toMatchObject({ result: { status: 'joined' } });
    expect(await (await connect()).join(meeting, 'Gina')).toMatchObject({ result: { status: 'joined' } });
    // The squatters give up: their rooms go with them.
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await waitUntil(() => squatted.every((squat) => server.meetings.registry.find(squat) === undefined));
    expect(server.meetings.registry.find(name)).toBeUndefined();
  });

  it('caps the lobby, and sends moderators one change per arrival, not the whole queue', async () => {
    const name = room();
    const host = await connect(await server.signedInCookie('lobby-host'));
    await host.join(name, 'Hana');
    await host.send({ type: 'set-lobby', enabled: true });
    const knockers: SignalingClient[] = [];
    for (let i = 0; i < 5; i++) {
      const guest = await connect();
      expect(await guest.join(name, `Knocker ${i}`)).toMatchObject({ result: { status: 'lobby' } });
      knockers.push(guest);
    }
    const sixth = await (await connect()).join(name, 'One too many');
    expect(sixth).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    expect(sixth.ok === false && sixth.error.message).toMatch(/lobby of this meeting is full/);

    await host.waitForEvent('lobby-updated', (e) => e.entries.length === 5);
    const changes = host.events.filter((e) => e.type === 'lobby-changed');
    expect(changes).toHaveLength(5);
    for (const change of changes) {
      expect(change.type === 'lobby-changed' && change.added.length + change.removed.length).toBe(1);
    }
    // One knocker gives up: the others see one removal.
    await knockers[0]?.close();
    await host.waitForEvent(
      'lobby-updated',
      (e) => !e.entries.some((entry) => entry.displayName === 'Knocker 0'),
    );
    expect(host.events.filter((e) => e.type === 'lobby-changed').at(-1)).toMatchObject({
      added: [],
      removed: [expect.any(String)],
    });
    // A moderator who joins now gets the whole queue once.
    const coHost = await connect(await server.signedInCookie('lobby-cohost'));
    await coHost.join(name, 'Co');
    const queue = await coHost.waitForEvent('lobby-updated');
    expect(queue.entries.map((e) => e.displayName)).toEqual([
      'Knocker 1',
      'Knocker 2',
      'Knocker 3',
      'Knocker 4',
    ]);
  });

  it('keeps a room created by a waiting guest small', async () => {
    // A guest-created room holds the waiting guest and empty containers only: no media, no history.
    const name = room();
    const guest = await connect();
    await guest.send({ type: 'join', protocolVersion: PROTOCOL_VERSION, room: name, displayName: 'Solo' });
    const created = server.meetings.registry.find(name);
    expect(created?.isOpen).toBe(false);
    expect(created?.waitingForHost.size).toBe(1);
    expect(created?.chatHistory.earlier()).toEqual([]);
    expect(created?.standings.size).toBe(0);
    await guest.close();
    await waitUntil(() => server.meetings.registry.find(name) === undefined);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
