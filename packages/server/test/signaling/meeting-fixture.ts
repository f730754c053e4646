import type { ServerEvent } from '@parley/protocol';
import { fakeMedia } from './fake-media.js';
import { SignalingClient, startTestServer } from './harness.js';

export type Reply = Awaited<ReturnType<SignalingClient['send']>>;

/**
 * A control plane with the fake media plane, a clock tests can move forward, and a server that trusts
 * X-Forwarded-For, so every test client can come from an address of its own.
 */
export async function startMeetingServer(env: Record<string, string> = {}) {
  const fake = fakeMedia();
  /** Server time: real time plus `offset`, or `frozen` while a test holds it still. */
  const clock = { offset: 0, frozen: null as number | null };
  const now = () => clock.frozen ?? Date.now() + clock.offset;
  const logLines: string[] = [];
  const server = await startTestServer(
    () => fake.media,
    { PARLEY_TRUST_PROXY: '1', ...env },
    { meetings: { now }, logLines },
  );
  let accounts = 0;
  let addresses = 0;
  const clients: SignalingClient[] = [];

  const fixture = {
    server,
    /** Commands the media plane received, e.g. `audio <participantId> off`. */
    mediaCalls: fake.calls,
    /** Emits an event of the (fake) media plane, as the SFU would. */
    emitMedia: fake.emit,
    logLines,

    /** The server's clock now. */
    now,
    /** Stops the server's clock (for exact waits and rates); advanceClock() moves it on. */
    freezeClock(): void {
      clock.frozen = now();
    },
    /** Moves the server's clock forward (frozen or not). */
    advanceClock(ms: number): void {
      if (clock.frozen !== null) clock.frozen += ms;
      else clock.offset += ms;
    },
    /** Lets the clock run again from where it stands, never backwards. */
    releaseClock(): void {
      if (clock.frozen === null) return;
      clock.offset = Math.max(clock.offset, clock.frozen - Date.now());
      clock.frozen = null;
    },

    /** A fresh room name. */
    room: () => `room-${Math.random().toString(36).slice(2, 10)}`,

    /** Opens a socket; `address` is the client address the server sees (default: a new one). */
    async connect(
      options: { cookie?: string; address?: string; headers?: Record<string, string> } = {},
    ): Promise<SignalingClient> {
      addresses++;
      const address = options.address ?? `10.0.${Math.floor(addresses / 250)}.${(addresses % 250) + 1}`;
      const headers: Record<string, string> = { 'x-forwarded-for': address, ...options.headers };
      if (options.cookie) headers.cookie = options.cookie;
      const client = await SignalingClient.connect(server.wsUrl, headers);
      clients.push(client);
      return client;
    },

    /** A session cookie of a new account. */
    async signIn(): Promise<string> {
      accounts++;
      return server.signedInCookie(`host-${accounts}`);
    },

    /** A signed-in host who opens (or enters) the room; returns the client and its participant id. */
    async host(room: string, name = 'Hana', cookie?: string) {
      const client = await fixture.connect({ cookie: cookie ?? (await fixture.signIn()) });
      const reply = await client.join(room, name);
      if (!reply.ok) throw new Error(`host could not join: ${reply.error.message}`);
      const joined = await client.waitForEvent('joined');
      return { client, id: joined.self.id };
    },

    /** A guest who joins an open room and is admitted at once. */
    async participant(room: string, name: string, extra: Parameters<SignalingClient['join']>[2] = {}) {
      const client = await fixture.connect();
      const reply = await client.join(room, name, extra);
      if (!reply.ok) throw new Error(`guest could not join: ${reply.error.message}`);
      const joined = await client.waitForEvent('joined');
      return { client, id: joined.self.id };
    },

    /** Waits until every event sent to `client` before now has arrived: a request with no effect. */
    async settle(...targets: SignalingClient[]): Promise<void> {
      for (const client of targets) {
        if (client.closeCode !== null) continue;
        await client.send({ type: 'chat-delete', messageId: 'no-such-message' });
      }
    },

    /** Events of one type a client received so far. */
    eventsOf<T extends ServerEvent['type']>(client: SignalingClient, type: T) {
      return client.events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);
    },

    /** What the server holds for a room, to compare before and after (no names but display names). */
    snapshot(roomName: string) {
      const room = server.meetings.registry.find(roomName);
      if (!room) return null;
      return {
        id: room.id,
        settings: room.settings,
        participants: [...room.participants.values()].map((p) => p.info()),
        lobby: room.lobby.entries(),
        history: room.chatHistory.earlier().map((m) => m.id),
        hands: [...server.meetings.life.raisedHands(room)],
      };
    },

    async close(): Promise<void> {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
  return fixture;
}

export type MeetingServer = Awaited<ReturnType<typeof startMeetingServer>>;
