import { MediaBot } from '@parley/media-bot';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.js';
import { Meetings } from '../../src/meeting/meetings.js';
import { fakeMedia } from '../signaling/fake-media.js';
import { SignalingClient, startTestServer } from '../signaling/harness.js';
import { realMedia } from '../support/real-media.js';
import { waitFor } from '../support/wait-for.js';

const NAMES = [
  'eagle-names-1',
  'alice-unique-user',
  'metrics-private-room',
  'metrics-waiting-room',
  'Zelda Quintessa',
  'Yorick Brambleton',
  'Xanthe Early',
];
const [, HOST_ACCOUNT, ROOM, WAITING_ROOM, HOST_NAME, GUEST_NAME, EARLY_GUEST_NAME] = NAMES as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];

/** Label names any series may carry: ours (fixed words, worker numbers) and prom-client's process metrics. */
const ALLOWED_LABELS = new Set([
  'place',
  'worker',
  'le',
  'version',
  'major',
  'minor',
  'patch',
  'kind',
  'space',
  'type',
]);

/** value of the series `name{labels}` (labels exactly as written), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function labelNamesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const labels = /\{([^}]*)\}/.exec(line)?.[1];
    for (const pair of labels?.split(',') ?? []) names.add(pair.split('=')[0]!);
  }
  return names;
}

describe('GET /metrics after a meeting with bots', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    server = await startTestServer(realMedia);
  });
  afterAll(async () => {
    await server.close();
  });

  async function metrics(): Promise<string> {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  async function participant(name: string, cookie?: string) {
    const client = await SignalingClient.connect(server.wsUrl, cookie ? { cookie } : {});
    const bot = new MediaBot({
      publish: async (sdp, tracks) => {
        const reply = await client.send({ type: 'publish', sdp, tracks });
        if (!reply.ok) throw new Error(reply.error.message);
        return (reply.result as { sdp: string }).sdp;
      },
      subscribe: async (sdp) => {
        const reply = await client.send({ type: 'subscribe', sdp });
        if (!reply.ok) throw new Error(reply.error.message);
        return (reply.result as { sdp: string }).sdp;
      },
      subscriberAnswer: async (sdp) => {
        const reply = await client.send({ type: 'subscriber-answer', sdp });
        if (!reply.ok) throw new Error(reply.error.message);
      },
    });
    client.onEvent((event) => {
      if (event.type === 'subscriber-offer') void bot.handleSubscriberOffer(event.sdp, event.tracks);
    });
    expect((await client.join(ROOM, name)).ok).toBe(true);
    const self = (await client.waitForEvent('joined')).self;
    await bot.startSubscribing();
    await bot.startPublishing({ audio: true, video: true });
    return { client, bot, id: self.id };
  }

  it('counts meetings, people and forwarded media, and names nobody', async () => {
    const before = await metrics();
    expect(sample(before, 'parley_meetings')).toBe(0);
    expect(sample(before, 'parley_media_packets_forwarded_total')).toBe(0);

    // A guest waiting for a host that never comes, and a meeting of two with real media.
    const early = await SignalingClient.connect(server.wsUrl);
    expect((await early.join(WAITING_ROOM, EARLY_GUEST_NAME)).ok).toBe(true);
    const host = await participant(HOST_NAME, await server.signedInCookie(HOST_ACCOUNT));
    const guest = await participant(GUEST_NAME);
    await waitFor(
      'video both ways',
      () => {
        const received = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;
        return received(guest.bot, `${host.id}:camera`) > 20 && received(host.bot, `${guest.id}:camera`) > 20;
      },
      { timeoutMs: 10_000 },
    );

    const during = await metrics();
    for (const name of [
      'parley_meetings',
      'parley_participants',
      'parley_media_rooms',
      'parley_media_participants',
      'parley_media_peer_connections',
      'parley_media_published_tracks',
      'parley_media_subscriptions',
      'parley_media_packets_forwarded_total',
      'parley_media_bytes_forwarded_total',
      'parley_media_workers',
      'parley_media_worker_rooms',
      'parley_media_worker_participants',
      'parley_media_worker_packets_forwarded_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(during, name).toContain(`# TYPE ${name} `);
    }
    expect(sample(during, 'parley_meetings')).toBe(1);
    expect(sample(during, 'parley_participants{place="meeting"}')).toBe(2);
    expect(sample(during, 'parley_participants{place="waiting_for_host"}')).toBe(1);
    expect(sample(during, 'parley_participants{place="lobby"}')).toBe(0);
    expect(sample(during, 'parley_media_peer_connections')).toBe(4);
    expect(sample(during, 'parley_media_published_tracks')).toBe(4);
    expect(sample(during, 'parley_media_subscriptions')).toBe(4);
    const packets = sample(during, 'parley_media_packets_forwarded_total')!;
    expect(packets).toBeGreaterThan(40);
    expect(sample(during, 'parley_media_bytes_forwarded_total')).toBeGreaterThan(packets * 12);

    // No names, accounts, ids or addresses; labels only from the fixed allowlist.
    const roomIds = [...server.meetings.registry.rooms()].map((room) => room.id);
    for (const secret of [...NAMES, ...roomIds, host.id, guest.id, '127.0.0.1']) {
      expect(during, secret).not.toContain(secret);
    }
    expect([...labelNamesIn(during)].filter((label) => !ALLOWED_LABELS.has(label))).toEqual([]);

    for (const p of [host, guest]) {
      await p.client.close();
      await p.bot.close();
    }
    await early.close();
    // An emptied meeting is kept (for its resume tokens) but no longer runs.
    await waitFor('the meeting is over', () =>
      [...server.meetings.registry.rooms()].every((room) => !room.isLive),
    );
    const after = await metrics();
    expect(sample(after, 'parley_meetings')).toBe(0);
    expect(sample(after, 'parley_participants{place="meeting"}')).toBe(0);
    // Counters keep counting across meetings; they never go back.
    expect(sample(after, 'parley_media_packets_forwarded_total')).toBeGreaterThanOrEqual(packets);
  });
});

describe('media worker figures', () => {
  it('expose the number of workers and each one’s load, labelled by worker number only', async () => {
    const { media } = fakeMedia();
    const stats = media.stats();
    media.stats = () => ({
      ...stats,
      packetsForwarded: 1500,
      workers: [
        { rooms: 2, participants: 7, packetsForwarded: 1000 },
        { rooms: 1, participants: 3, packetsForwarded: 500 },
      ],
    });
    const meetings = new Meetings(media, pino({ level: 'silent' }), () => []);
    const text = await createMetrics({ meetings, media }).metrics();
    meetings.closeAll();
    expect(sample(text, 'parley_media_workers')).toBe(2);
    expect(sample(text, 'parley_media_worker_rooms{worker="0"}')).toBe(2);
    expect(sample(text, 'parley_media_worker_rooms{worker="1"}')).toBe(1);
    expect(sample(text, 'parley_media_worker_participants{worker="1"}')).toBe(3);
    expect(sample(text, 'parley_media_worker_packets_forwarded_total{worker="0"}')).toBe(1000);
    expect(sample(text, 'parley_media_packets_forwarded_total')).toBe(1500);
  });

  it('say 0 workers when media runs on the main thread', async () => {
    const { media } = fakeMedia();
    const meetings = new Meetings(media, pino({ level: 'silent' }), () => []);
    const text = await createMetrics({ meetings, media }).metrics();
    meetings.closeAll();
    expect(sample(text, 'parley_media_workers')).toBe(0);
    expect(text).not.toMatch(/^parley_media_worker_rooms\{/m);
  });
});
