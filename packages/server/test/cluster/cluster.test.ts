import { MediaBot } from '@parley/media-bot';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisKeyKinds } from '../../src/privacy/inventory.js';
import { SignalingClient } from '../signaling/harness.js';
import { createTestSchema, type PostgresServer, startPostgres } from '../support/postgres.js';
import { type RunningRedis, startRedis } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';
import { startNode, type TestNode } from './nodes.js';

let redis: RunningRedis;
let postgres: PostgresServer;
let databaseUrl: string;
/** Each test gets its own Redis database, so heartbeats of one test's nodes never reach another's. */
let nextDb = 1;
let redisUrl: string;
const nodes: TestNode[] = [];
const clients: SignalingClient[] = [];

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  databaseUrl = (await createTestSchema(postgres.url)).url;
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  await postgres?.stop();
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const node of nodes.splice(0)) await node.close();
});

async function twoNodes(
  media: 'real' | 'fake' = 'fake',
  clusterSecret?: string,
): Promise<[TestNode, TestNode]> {
  redisUrl = `${redis.url}/${nextDb++}`;
  const a = await startNode({ databaseUrl, redisUrl, clusterSecret }, media);
  nodes.push(a);
  const b = await startNode({ databaseUrl, redisUrl, clusterSecret }, media);
  nodes.push(b);
  return [a, b];
}

async function connect(node: TestNode, cookie?: string): Promise<SignalingClient> {
  const client = await SignalingClient.connect(node.wsUrl, cookie ? { cookie } : {});
  clients.push(client);
  return client;
}

let users = 0;
async function hostCookie(node: TestNode): Promise<string> {
  const { accounts } = node.parley;
  const user = await accounts.createUser(
    `host${++users}${Date.now().toString(36)}`,
    'a password of length',
    'user',
  );
  return `parley_session=${await accounts.createSession(user.id)}`;
}

const room = (label: string) =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const ownerOf = (node: TestNode, roomName: string) =>
  node.parley.cluster!.claims.owner(node.parley.cluster!.roomKey(roomName));

describe('a meeting is hosted by exactly one node', () => {
  it('serves a guest who reaches the other node in the host’s meeting, lobby included', async () => {
    const [a, b] = await twoNodes();
    const name = room('one-host');
    const host = await connect(a, await hostCookie(a));
    expect((await host.join(name, 'Ada')).ok).toBe(true);
    await host.waitForEvent('joined');
    expect(await ownerOf(b, name)).toBe(a.nodeId);

    const guest = await connect(b);
    const joined = await guest.join(name, 'Bob');
    expect(joined.ok && joined.result).toEqual({ status: 'joined' });
    await host.waitForEvent('participant-joined', (e) => e.participant.displayName === 'Bob');
    expect(a.parley.meetings.counts()).toEqual({ rooms: 1, participants: 2 });
    expect(b.parley.meetings.counts()).toEqual({ rooms: 0, participants: 0 });

    // Moderation works across nodes: the lobby the host switches on holds the next guest from node B.
    expect((await host.send({ type: 'set-lobby', enabled: true })).ok).toBe(true);
    const knocking = await connect(b);
    const knock = await knocking.join(name, 'Cy');
    expect(knock.ok && knock.result).toEqual({ status: 'lobby' });
    const lobby = await host.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
    expect((await host.send({ type: 'lobby-admit', entryId: lobby.entries[0]!.id })).ok).toBe(true);
    await knocking.waitForEvent('joined');
  });

  it('lets exactly one claim win a race, and two hosts racing for a new meeting meet in one place', async () => {
    const [a, b] = await twoNodes();
    const key = a.parley.cluster!.roomKey('raced');
    const wins = await Promise.all([
      a.parley.cluster!.claims.claim(key, a.nodeId),
      b.parley.cluster!.claims.claim(key, b.nodeId),
    ]);
    expect(wins.filter(Boolean)).toHaveLength(1);

    const name = room('race');
    const [first, second] = await Promise.all([
      connect(a, await hostCookie(a)),
      connect(b, await hostCookie(b)),
    ]);
    const results = await Promise.all([first.join(name, 'Ada'), second.join(name, 'Bea')]);
    expect(results.map((r) => r.ok && r.result)).toEqual([{ status: 'joined' }, { status: 'joined' }]);
    const counts = [a.parley.meetings.counts(), b.parley.meetings.counts()];
    expect(counts).toContainEqual({ rooms: 1, participants: 2 });
    expect(counts).toContainEqual({ rooms: 0, participants: 0 });
  });

  it('places a new meeting on the least-loaded node', async () => {
    const [a, b] = await twoNodes();
    const busy = room('busy');
    const host = await connect(a, await hostCookie(a));
    await host.join(busy, 'Ada');
    await (await connect(a)).join(busy, 'Bob');
    expect(a.parley.meetings.counts().participants).toBe(2);

    // Reaches node A, but A is the busier one: the meeting opens on B.
    const fresh = room('fresh');
    const other = await connect(a, await hostCookie(a));
    expect((await other.join(fresh, 'Cat')).ok).toBe(true);
    await other.waitForEvent('joined');
    expect(await ownerOf(a, fresh)).toBe(b.nodeId);
    expect(b.parley.meetings.counts()).toEqual({ rooms: 1, participants: 1 });
  });
});

describe('media through a forwarded connection', () => {
  /** A participant as the web app is one: a signaling socket plus publish and subscribe connections. */
  async function participant(node: TestNode, roomName: string, name: string, cookie?: string) {
    const client = await connect(node, cookie);
    const request = async (body: Parameters<SignalingClient['send']>[0]) => {
      const reply = await client.send(body);
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.result as { sdp: string };
    };
    const bot = new MediaBot({
      publish: async (sdp, tracks) => (await request({ type: 'publish', sdp, tracks })).sdp,
      subscribe: async (sdp) => (await request({ type: 'subscribe', sdp })).sdp,
      subscriberAnswer: async (sdp) => void (await request({ type: 'subscriber-answer', sdp })),
    });
    client.onEvent((event) => {
      if (event.type === 'subscriber-offer') void bot.handleSubscriberOffer(event.sdp, event.tracks);
    });
    expect((await client.join(roomName, name)).ok).toBe(true);
    const self = (await client.waitForEvent('joined')).self;
    await bot.startSubscribing();
    await bot.startPublishing({ audio: true, video: true });
    return { client, bot, id: self.id };
  }

  it('lets bots on node A and node B see and hear each other', async () => {
    const [a, b] = await twoNodes('real');
    const name = room('bots');
    const host = await participant(a, name, 'Ada', await hostCookie(a));
    const guest = await participant(b, name, 'Bob');
    const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;
    try {
      for (const [receiver, sender] of [
        [host, guest],
        [guest, host],
      ] as const) {
        for (const source of ['mic', 'camera']) {
          await waitFor(
            `${source} of ${sender.id} at ${receiver.id}`,
            () => packets(receiver.bot, `${sender.id}:${source}`) > 20,
            {
              timeoutMs: 10_000,
            },
          );
        }
      }
      expect(b.parley.media.stats().peerConnections).toBe(0);
      expect(a.parley.media.stats().peerConnections).toBe(4);
    } finally {
      await host.bot.close();
      await guest.bot.close();
    }
  });
});

describe('when a node goes away', () => {
  /** Joins on fresh connections until one is answered with success (the meeting's old node may still look alive). */
  async function joinVia(
    node: TestNode,
    roomName: string,
    name: string,
    extra: { resume?: string; clientKey?: string },
    cookie?: string,
  ) {
    return waitFor(
      `${name} answered`,
      async () => {
        const client = await connect(node, cookie);
        // A node that cannot serve the meeting yet closes the connection (1012, 1013) instead of answering.
        const reply = await Promise.race([
          client.join(roomName, name, extra),
          client.waitForClose(10_000).then(() => null),
        ]);
        if (reply?.ok) return { client, reply };
        await client.close();
        return null;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
  }

  /** Joins with the resume token until a node takes the meeting. */
  async function resumeVia(node: TestNode, roomName: string, name: string, token: string, cookie?: string) {
    const { client } = await joinVia(
      node,
      roomName,
      name,
      { resume: token, clientKey: `browser-key-of-${name}` },
      cookie,
    );
    return { client, joined: await client.waitForEvent('joined') };
  }

  it('another node takes the meeting over within seconds, with its lock, password and roles', async () => {
    const [a, b] = await twoNodes();
    const name = room('takeover');
    const cookie = await hostCookie(a);
    const host = await connect(a, cookie);
    await host.join(name, 'Ada', { clientKey: 'browser-key-of-Ada' });
    const hostToken = (await host.waitForEvent('joined')).resumeToken;
    const guest = await connect(b);
    await guest.join(name, 'Bob', { clientKey: 'browser-key-of-Bob' });
    const guestJoined = await guest.waitForEvent('joined');
    expect(
      (await host.send({ type: 'set-role', participantId: guestJoined.self.id, role: 'moderator' })).ok,
    ).toBe(true);
    const guestToken = (await guest.waitForEvent('resume-token')).token;
    expect((await host.send({ type: 'set-password', password: 'open sesame' })).ok).toBe(true);
    expect((await host.send({ type: 'set-locked', locked: true })).ok).toBe(true);
    // The hosting node keeps the meeting's state in Redis with every claim renewal.
    const store = b.parley.cluster!.roomState;
    await waitFor('state kept in Redis', async () => (await store.load(name))?.locked === true);

    const killedAt = Date.now();
    await a.crash();
    await Promise.all([guest.waitForClose(), host.waitForClose()]);
    const [hostBack, guestBack] = await Promise.all([
      resumeVia(b, name, 'Ada', hostToken, cookie),
      resumeVia(b, name, 'Bob', guestToken),
    ]);
    const failoverMs = Date.now() - killedAt;
    console.log(`cluster takeover (signaling): ${failoverMs} ms`);
    expect(failoverMs).toBeLessThan(10_000);
    expect(await ownerOf(b, name)).toBe(b.nodeId);
    expect(hostBack.joined.settings).toMatchObject({ locked: true, passwordSet: true });
    expect(guestBack.joined.self.role).toBe('moderator');
    await waitFor('both in the meeting on B', () => b.parley.meetings.counts().participants === 2);

    // The lock holds on the new node: someone new is kept out.
    const stranger = await connect(b);
    const refused = await stranger.join(name, 'Eve', { password: 'open sesame' });
    expect(!refused.ok && refused.error.code).toBe('locked');
  });

  it('a node cut off from Redis lets its meetings go, and another node takes them once its heartbeat expired', async () => {
    const [a, b] = await twoNodes();
    const name = room('cut-off');
    const cookie = await hostCookie(a);
    const host = await connect(a, cookie);
    await host.join(name, 'Ada', { clientKey: 'browser-key-of-Ada' });
    const hostToken = (await host.waitForEvent('joined')).resumeToken;
    await waitFor('state kept in Redis', async () => (await b.parley.cluster!.roomState.load(name)) !== null);

    // Node A still runs and still serves its sockets, but reaches Redis no more.
    const cutAt = Date.now();
    a.parley.cluster!.redis.disconnect();
    // It must not go on hosting a meeting another node may claim now: it closes its sockets itself.
    expect(await host.waitForClose(15_000)).toBe(4007);
    expect(a.parley.meetings.counts()).toEqual({ rooms: 0, participants: 0 });
    const { joined } = await resumeVia(b, name, 'Ada', hostToken, cookie);
    console.log(`cluster takeover (node cut off from Redis): ${Date.now() - cutAt} ms`);
    expect(joined.self.role).toBe('moderator');
    expect(await ownerOf(b, name)).toBe(b.nodeId);
  });

  it('keeps a hard mute on the new node, also for a fresh join without the resume token, until lifted', async () => {
    const [a, b] = await twoNodes();
    const name = room('hard-mute');
    const cookie = await hostCookie(a);
    const host = await connect(a, cookie);
    await host.join(name, 'Ada', { clientKey: 'browser-key-of-Ada' });
    const hostToken = (await host.waitForEvent('joined')).resumeToken;
    const guest = await connect(b);
    await guest.join(name, 'Mallory', { clientKey: 'browser-key-of-Mallory' });
    const malloryId = (await guest.waitForEvent('joined')).self.id;
    expect((await host.send({ type: 'mute', participantId: malloryId, hard: true })).ok).toBe(true);
    await guest.waitForEvent('muted-by-moderator');
    const store = b.parley.cluster!.roomState;
    await waitFor('the hard mute kept in Redis', async () => {
      const stored = await store.load(name);
      return (
        stored?.marks.hardMuted({
          displayName: '',
          accountId: null,
          clientKey: 'browser-key-of-Mallory',
          addressKey: null,
        }) === true
      );
    });

    await a.crash();
    await guest.waitForClose();
    const hostBack = await resumeVia(b, name, 'Ada', hostToken, cookie);
    // Mallory drops her resume token and joins afresh under a new name, from the same browser.
    const { client: back } = await joinVia(b, name, 'Not Mallory', { clientKey: 'browser-key-of-Mallory' });
    const joined = await back.waitForEvent('joined');
    expect(joined.self.hardMuted).toBe(true);
    const unmute = await back.send({ type: 'set-muted', source: 'mic', muted: false });
    expect(unmute.ok).toBe(false);

    // A moderator lifts it on the new node: it is gone for good, carried marks included.
    expect((await hostBack.client.send({ type: 'allow-unmute', participantId: joined.self.id })).ok).toBe(
      true,
    );
    await back.waitForEvent('unmute-allowed');
    await back.close();
    const again = await joinVia(b, name, 'Not Mallory', { clientKey: 'browser-key-of-Mallory' });
    expect((await again.client.waitForEvent('joined')).self.hardMuted).toBe(false);
  });

  it('never brings back a meeting a moderator ended, on any node', async () => {
    const [a, b] = await twoNodes();
    const name = room('ended');
    const host = await connect(a, await hostCookie(a));
    await host.join(name, 'Ada');
    await host.waitForEvent('joined');
    const guest = await connect(b);
    await guest.join(name, 'Bob', { clientKey: 'browser-key-of-Bob' });
    const guestToken = (await guest.waitForEvent('joined')).resumeToken;
    expect((await host.send({ type: 'end-meeting' })).ok).toBe(true);
    await guest.waitForEvent('room-closed');
    const reader = new Redis(redisUrl);
    try {
      await waitFor(
        'the ended mark in Redis',
        async () => (await reader.keys('parley:ended:*')).length === 1,
        {
          timeoutMs: 5000,
        },
      );
    } finally {
      reader.disconnect();
    }
    await a.crash();
    // The token still verifies, but the meeting stays ended: Bob is a guest waiting for a host again.
    const { reply } = await joinVia(b, name, 'Bob', { resume: guestToken, clientKey: 'browser-key-of-Bob' });
    expect(reply.ok && reply.result).toEqual({ status: 'waiting-for-host' });
  });

  it('drains on request: hands its meetings on and takes no new ones', async () => {
    const [a, b] = await twoNodes();
    const name = room('drain');
    const cookie = await hostCookie(a);
    const host = await connect(a, cookie);
    await host.join(name, 'Ada', { clientKey: 'browser-key-of-Ada' });
    const hostToken = (await host.waitForEvent('joined')).resumeToken;
    const guest = await connect(b);
    await guest.join(name, 'Bob', { clientKey: 'browser-key-of-Bob' });
    const guestToken = (await guest.waitForEvent('joined')).resumeToken;
    expect((await host.send({ type: 'set-lobby', enabled: true })).ok).toBe(true);

    const drained = a.parley.cluster!.drain(5000);
    expect(await host.waitForClose()).toBe(4007);
    expect(await guest.waitForClose()).toBe(4007);
    await drained;
    expect(a.parley.meetings.counts()).toEqual({ rooms: 0, participants: 0 });
    expect(await ownerOf(a, name)).toBeNull();

    // Both come back through the draining node, which sends them to B.
    const [hostBack, guestBack] = await Promise.all([
      resumeVia(a, name, 'Ada', hostToken, cookie),
      resumeVia(a, name, 'Bob', guestToken),
    ]);
    expect(hostBack.joined.self.role).toBe('moderator');
    expect(guestBack.joined.settings.lobbyEnabled).toBe(true);
    expect(await ownerOf(b, name)).toBe(b.nodeId);
    expect(b.parley.meetings.counts()).toEqual({ rooms: 1, participants: 2 });

    // A new meeting reaching the draining node opens on B.
    const fresh = room('after-drain');
    const other = await connect(a, await hostCookie(a));
    expect((await other.join(fresh, 'Cat')).ok).toBe(true);
    expect(await ownerOf(b, fresh)).toBe(b.nodeId);
  });
});

describe('what Redis holds', () => {
  it('not even the cluster secret when the operator configures it', async () => {
    const [a, b] = await twoNodes('fake', 'a configured cluster secret of enough length');
    const name = room('configured');
    const host = await connect(a, await hostCookie(a));
    await host.join(name, 'Ada');
    await host.waitForEvent('joined');
    const guest = await connect(b);
    expect((await guest.join(name, 'Bob')).ok).toBe(true);
    expect(a.parley.meetings.counts().participants).toBe(2);
    const reader = new Redis(redisUrl);
    try {
      expect(await reader.exists('parley:cluster-secret')).toBe(0);
      expect(await reader.keys('parley:claim:*')).toHaveLength(1);
    } finally {
      reader.disconnect();
    }
  });

  it('no room name, display name or client address, and every key expires', async () => {
    const [a, b] = await twoNodes();
    const name = room('private-meeting-name');
    // Clients come from 127.0.0.2 (loopback too), so their address is told apart from the nodes'.
    const fromElsewhere = async (node: TestNode, cookie?: string) => {
      const { WebSocket } = await import('ws');
      const socket = new WebSocket(node.wsUrl, {
        headers: cookie ? { cookie } : {},
        localAddress: '127.0.0.2',
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const Client = SignalingClient as unknown as new (
        socket: InstanceType<typeof WebSocket>,
      ) => SignalingClient;
      const client = new Client(socket);
      clients.push(client);
      return client;
    };
    const host = await fromElsewhere(a, await hostCookie(a));
    await host.join(name, 'Ada Lovelace', { clientKey: 'browser-key-of-ada-1234' });
    await host.waitForEvent('joined');
    const guest = await fromElsewhere(b);
    await guest.join(name, 'Bob Babbage', { clientKey: 'browser-key-of-bob-1234' });
    const bob = (await guest.waitForEvent('joined')).self.id;
    const replies = [
      await host.send({ type: 'set-password', password: 'secret words' }),
      await host.send({ type: 'set-locked', locked: true }),
      await host.send({ type: 'set-chat-history', enabled: true }),
      await host.send({ type: 'chat-send', text: 'hello there general' }),
      await host.send({ type: 'kick', participantId: bob }),
    ];
    expect(replies.map((reply) => reply.ok)).toEqual([true, true, true, true, true]);
    const store = a.parley.cluster!.roomState;
    await waitFor('state with the removal kept', async () => (await store.load(name))?.locked === true);

    const reader = new Redis(redisUrl);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await reader.scan(cursor, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      expect(keys.length).toBeGreaterThanOrEqual(4);
      const everything: string[] = [];
      for (const key of keys) {
        expect(key.startsWith('parley:'), key).toBe(true);
        const ttl = await reader.pttl(key);
        expect(ttl, `expiry of ${key}`).toBeGreaterThan(0);
        everything.push(key, (await reader.get(key)) ?? '');
      }
      const dump = everything.join('\n');
      for (const secret of [
        name,
        'Ada Lovelace',
        'Bob Babbage',
        'browser-key',
        'secret words',
        'hello there',
        '127.0.0.2',
      ]) {
        expect(dump, secret).not.toContain(secret);
      }
      // The kinds of keys are the ones docs/cluster.md and the privacy inventory declare.
      const kinds = new Set(keys.map((key) => key.split(':')[1]));
      expect([...kinds].sort()).toEqual(['claim', 'cluster-secret', 'node', 'room']);
      const declared = redisKeyKinds();
      for (const kind of kinds) expect(declared, `inventory entry for parley:${kind}:…`).toContain(kind);
    } finally {
      reader.disconnect();
    }
    for (const node of [a, b]) {
      const log = node.logLines.join('\n');
      for (const secret of [name, 'Ada Lovelace', 'Bob Babbage', '127.0.0.2'])
        expect(log, secret).not.toContain(secret);
    }
  });
});
