import type { EventOf } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SignalingClient } from './harness.js';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Someone in the meeting, followed from room to room as their app would. */
interface Person {
  name: string;
  cookie?: string;
  clientKey: string;
  client: SignalingClient;
  id: string;
  /** Grants already followed. */
  used: Set<string>;
}

/** Polls (real time) until the condition holds. */
async function waitUntil(condition: () => boolean | undefined): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

let keys = 0;
const newKey = () => `client-key-${++keys}-${'x'.repeat(16)}`;

async function host(room: string, name = 'Hana'): Promise<Person> {
  const cookie = await m.signIn();
  const clientKey = newKey();
  const client = await m.connect({ cookie });
  const reply = await client.join(room, name, { clientKey, e2ee: true });
  if (!reply.ok) throw new Error(reply.error.message);
  const joined = await client.waitForEvent('joined');
  return { name, cookie, clientKey, client, id: joined.self.id, used: new Set() };
}

async function guest(room: string, name: string): Promise<Person> {
  const clientKey = newKey();
  const { client, id } = await m.participant(room, name, { clientKey, e2ee: true });
  return { name, clientKey, client, id, used: new Set() };
}

/** Waits for the next move, leaves, and joins where it leads with the grant. */
async function follow(person: Person): Promise<EventOf<'breakout-move'>> {
  const move = await person.client.waitForEvent('breakout-move', (e) => !person.used.has(e.grant));
  person.used.add(move.grant);
  await person.client.close();
  const next = await m.connect(person.cookie ? { cookie: person.cookie } : {});
  const reply = await next.join(move.room, person.name, {
    grant: move.grant,
    clientKey: person.clientKey,
    e2ee: true,
  });
  if (!reply.ok) throw new Error(`${person.name} could not move: ${reply.error.message}`);
  expect(reply.result).toEqual({ status: 'joined' });
  const joined = await next.waitForEvent('joined');
  person.client = next;
  person.id = joined.self.id;
  return move;
}

function namesIn(roomName: string): string[] {
  const room = m.server.meetings.registry.find(roomName);
  return [...(room?.participants.values() ?? [])].map((p) => p.displayName).sort();
}

async function lastState(person: Person) {
  await m.settle(person.client);
  const states = m.eventsOf(person.client, 'breakout-state');
  return states[states.length - 1];
}

/** A host and four guests; two breakout rooms created. */
async function meetingWithRooms(count = 2) {
  const main = m.room();
  const hana = await host(main);
  const guests = [
    await guest(main, 'Ada'),
    await guest(main, 'Ben'),
    await guest(main, 'Cleo'),
    await guest(main, 'Dan'),
  ];
  expect(await hana.client.send({ type: 'breakout-create', count })).toMatchObject({ ok: true });
  const state = await lastState(hana);
  const rooms = state?.rooms ?? [];
  return { main, hana, guests, rooms };
}

describe('breakout rooms', () => {
  it('creates rooms, assigns at random, moves everyone there and back by grant', async () => {
    const { main, hana, guests, rooms } = await meetingWithRooms();
    expect(rooms.map((r) => r.name)).toEqual(['Room 1', 'Room 2']);
    expect(await hana.client.send({ type: 'breakout-assign-random' })).toMatchObject({ ok: true });
    const assigned = (await lastState(hana))?.rooms ?? [];
    // Two each, the host (a moderator) in none.
    expect(assigned.map((r) => r.assigned.length)).toEqual([2, 2]);
    expect(assigned.flatMap((r) => r.assigned).sort()).toEqual(guests.map((g) => g.id).sort());
    // Participants see the rooms but not who is where.
    expect((await lastState(guests[0] as Person))?.rooms?.every((r) => r.assigned.length === 0)).toBe(true);

    const idsInMain = guests.map((g) => g.id);
    expect(await hana.client.send({ type: 'breakout-open' })).toMatchObject({ ok: true });
    const moves = await Promise.all(guests.map(follow));
    const roomOf = new Map(guests.map((g, i) => [g.name, moves[i]?.room ?? '']));
    for (const [i, move] of moves.entries()) {
      const target = assigned.find((r) => r.assigned.includes(idsInMain[i] ?? ''));
      expect(move.breakout?.name).toBe(target?.name);
      // Named from the main room with an unguessable suffix.
      expect(move.room.startsWith(`${main}_`)).toBe(true);
      expect(move.room.length).toBeGreaterThan(main.length + 12);
    }
    const breakoutNames = [...new Set(roomOf.values())];
    expect(breakoutNames).toHaveLength(2);
    // Each breakout room is a meeting of its own: its people see only each other.
    for (const name of breakoutNames) {
      const inside = guests.filter((g) => roomOf.get(g.name) === name);
      expect(namesIn(name)).toEqual(inside.map((g) => g.name).sort());
      for (const person of inside) {
        const joined = await person.client.waitForEvent('joined');
        const seen = joined.participants.map((p) => p.displayName);
        expect(seen.every((name) => inside.some((o) => o.name === name))).toBe(true);
        const move = moves[guests.indexOf(person)];
        expect((await lastState(person))?.here?.name).toBe(move?.breakout?.name);
      }
      const roomIds = new Set([...breakoutNames, main].map((n) => m.server.meetings.registry.find(n)?.id));
      expect(roomIds.size).toBe(3);
    }
    expect(namesIn(main)).toEqual(['Hana']);
    // Moderators see who is in which room.
    const during = await lastState(hana);
    expect(during?.open).toBe(true);
    expect(during?.rooms?.flatMap((r) => r.present).sort()).toEqual(['Ada', 'Ben', 'Cleo', 'Dan']);

    expect(await hana.client.send({ type: 'breakout-close' })).toMatchObject({ ok: true });
    const back = await Promise.all(guests.map(follow));
    expect(back.every((move) => move.room === main && move.breakout === null)).toBe(true);
    expect(namesIn(main)).toEqual(['Ada', 'Ben', 'Cleo', 'Dan', 'Hana']);
    expect((await lastState(hana))?.rooms).toBeNull();
    // Nothing of the breakout rooms is left once they are empty; no room name reached the log.
    for (const name of breakoutNames)
      expect(m.server.meetings.registry.find(name)?.isEmpty ?? true).toBe(true);
    const log = m.logLines.join('\n');
    for (const name of [...breakoutNames, main]) expect(log).not.toContain(name);
  });

  it('keeps the emptied main meeting and its encryption while everyone is in breakout rooms', async () => {
    const { main, hana, guests, rooms } = await meetingWithRooms();
    expect(await hana.client.send({ type: 'e2ee-enable' })).toMatchObject({ ok: true });
    const [first, second] = rooms;
    const everyone = [hana, ...guests];
    expect(
      await hana.client.send({
        type: 'breakout-assign',
        assignments: everyone.map((p, i) => ({
          participantId: p.id,
          roomId: (i % 2 ? second : first)?.id ?? null,
        })),
      }),
    ).toMatchObject({ ok: true });
    await hana.client.send({ type: 'breakout-open' });
    const moves = await Promise.all(everyone.map(follow));
    const mainRoom = m.server.meetings.registry.find(main);
    expect(mainRoom?.participants.size).toBe(0);
    expect(mainRoom?.isOpen).toBe(true);
    expect(m.server.meetings.e2ee.stateOf(mainRoom as NonNullable<typeof mainRoom>)).not.toBe('off');
    // Each breakout room starts encrypted, with a group of its own.
    for (const [i, person] of everyone.entries()) {
      const state = await person.client.waitForEvent('e2ee-state');
      expect(state.state, person.name).not.toBe('off');
      const breakout = m.server.meetings.registry.find(moves[i]?.room ?? '');
      expect(breakout && m.server.meetings.e2ee.stateOf(breakout)).toBe('pending');
    }
    // The host closes from inside a breakout room; everyone comes back to the encrypted main meeting.
    expect(await hana.client.send({ type: 'breakout-close' })).toMatchObject({ ok: true });
    await Promise.all(everyone.map(follow));
    expect(namesIn(main)).toEqual(['Ada', 'Ben', 'Cleo', 'Dan', 'Hana']);
    expect(m.server.meetings.registry.find(main)).toBe(mainRoom);
    for (const person of everyone) {
      const state = await person.client.waitForEvent('e2ee-state');
      expect(state.state).not.toBe('off');
    }
  });

  it('warns before the timer closes the rooms, and closes them', async () => {
    const { main, hana, guests } = await meetingWithRooms();
    await hana.client.send({ type: 'breakout-assign-random' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect(await hana.client.send({ type: 'breakout-open', seconds: 120 })).toMatchObject({ ok: true });
    const state = await lastState(hana);
    expect(state?.endsAt).toBeGreaterThan(m.now() + 100_000);
    const person = guests[0] as Person;
    await person.client.waitForEvent('breakout-move');
    vi.advanceTimersByTime(60_000);
    await m.settle(hana.client);
    expect(m.eventsOf(hana.client, 'breakout-warning')).toEqual([
      { type: 'breakout-warning', secondsLeft: 60 },
    ]);
    expect(m.eventsOf(hana.client, 'breakout-move')).toHaveLength(0);
    vi.advanceTimersByTime(60_000);
    vi.useRealTimers();
    await m.settle(hana.client);
    expect((await lastState(hana))?.rooms).toBeNull();
    // The guests had not moved yet (their apps were slow): they are simply sent back with the rest.
    expect(namesIn(main)).toEqual(['Ada', 'Ben', 'Cleo', 'Dan', 'Hana']);
  });

  it('relays a broadcast to every room and help requests to the moderators', async () => {
    const { hana, guests } = await meetingWithRooms();
    await hana.client.send({ type: 'breakout-assign-random' });
    await hana.client.send({ type: 'breakout-open' });
    await Promise.all(guests.map(follow));
    const ada = guests[0] as Person;
    // From the main room no help is asked for.
    expect(await hana.client.send({ type: 'breakout-help' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await ada.client.send({ type: 'breakout-help' })).toMatchObject({ ok: true });
    const help = await hana.client.waitForEvent('breakout-help');
    expect(help.from).toBe('Ada');
    expect(help.roomName).toMatch(/^Room [12]$/);
    expect(await hana.client.send({ type: 'breakout-broadcast', text: 'Five minutes left' })).toMatchObject({
      ok: true,
    });
    for (const person of [hana, ...guests]) {
      const message = await person.client.waitForEvent('breakout-message');
      expect(message).toEqual({ type: 'breakout-message', text: 'Five minutes left', from: 'Hana' });
    }
    // Asking again and again is rate-limited.
    await ada.client.send({ type: 'breakout-help' });
    expect(await ada.client.send({ type: 'breakout-help' })).toMatchObject({
      ok: false,
      error: { code: 'rate-limited' },
    });
  });

  it('lets a moderator visit a room and come back, and people choose their room', async () => {
    const { main, hana, guests, rooms } = await meetingWithRooms();
    const [first, second] = rooms;
    const ada = guests[0] as Person;
    // Choosing is refused until the moderators allow it.
    expect(await ada.client.send({ type: 'breakout-choose', roomId: first?.id ?? '' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    await hana.client.send({ type: 'breakout-allow-choice', allowed: true });
    expect(await ada.client.send({ type: 'breakout-choose', roomId: first?.id ?? '' })).toMatchObject({
      ok: true,
    });
    expect((await lastState(ada))?.mine).toBe(first?.id);
    await hana.client.send({ type: 'breakout-open' });
    const moved = await follow(ada);
    expect(moved.breakout?.id).toBe(first?.id);
    // Once open, someone still in the main room chooses and goes at once; a chooser may switch rooms.
    const ben = guests[1] as Person;
    await ben.client.send({ type: 'breakout-choose', roomId: second?.id ?? '' });
    expect((await follow(ben)).breakout?.id).toBe(second?.id);
    await ada.client.send({ type: 'breakout-choose', roomId: second?.id ?? '' });
    expect((await follow(ada)).breakout?.id).toBe(second?.id);
    expect(namesIn(moved.room)).toEqual([]);

    expect(await hana.client.send({ type: 'breakout-visit', roomId: second?.id ?? '' })).toMatchObject({
      ok: true,
    });
    const visit = await follow(hana);
    expect(namesIn(visit.room)).toEqual(['Ada', 'Ben', 'Hana']);
    expect((await lastState(hana))?.here?.id).toBe(second?.id);
    // A breakout room cannot have breakout rooms of its own.
    expect(await hana.client.send({ type: 'breakout-create', count: 2 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    await hana.client.send({ type: 'breakout-visit', roomId: null });
    expect((await follow(hana)).room).toBe(main);
    expect(namesIn(main)).toEqual(['Cleo', 'Dan', 'Hana']);
  });

  it('accepts a grant once, only for its room and its holder; no plain way into a breakout room', async () => {
    const { main, hana, guests, rooms } = await meetingWithRooms();
    const ada = guests[0] as Person;
    await hana.client.send({
      type: 'breakout-assign',
      assignments: [{ participantId: ada.id, roomId: rooms[0]?.id ?? null }],
    });
    await hana.client.send({ type: 'breakout-open' });
    const move = await ada.client.waitForEvent('breakout-move');
    // Someone else (another browser key) with Ada's grant, or Ada's grant for another room: refused.
    const thief = await m.connect();
    expect(
      await thief.join(move.room, 'Ada', { grant: move.grant, clientKey: newKey(), e2ee: true }),
    ).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    // The failed try used it up: a grant is good once.
    const again = await m.connect();
    expect(
      await again.join(move.room, 'Ada', { grant: move.grant, clientKey: ada.clientKey, e2ee: true }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // A plain join (no grant) to a breakout room's name is refused, for guests and hosts alike.
    const plain = await m.connect({ cookie: await m.signIn() });
    expect(await plain.join(move.room, 'Eve', { e2ee: true })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    // A visit grant for room 1 does not open room 2.
    await hana.client.send({ type: 'breakout-visit', roomId: rooms[0]?.id ?? '' });
    const visit = await hana.client.waitForEvent('breakout-move');
    const other = await m.connect({ cookie: hana.cookie ?? '' });
    const wrongRoom = `${main}_${'A'.repeat(16)}`;
    expect(
      await other.join(wrongRoom, 'Hana', { grant: visit.grant, clientKey: hana.clientKey, e2ee: true }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(namesIn(move.room)).toEqual([]);
    // A participant cannot close or open rooms (the authorization matrix checks every request).
    expect(await (guests[1] as Person).client.send({ type: 'breakout-close' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('forgets the rooms and the main meeting when everyone has gone', async () => {
    const { main, hana, guests } = await meetingWithRooms();
    await hana.client.send({ type: 'breakout-assign-random' });
    await hana.client.send({ type: 'breakout-open' });
    const moves = await Promise.all(guests.map(follow));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    for (const person of [hana, ...guests]) await person.client.close();
    await m.settle();
    await new Promise((resolve) => setImmediate(resolve));
    const registry = m.server.meetings.registry;
    await waitUntil(() =>
      [main, ...moves.map((move) => move.room)].every((name) => registry.find(name)?.isEmpty),
    );
    // Past every resume token's life and a grant's: nothing of the meeting is left.
    m.advanceClock(11 * 60_000);
    vi.advanceTimersByTime(11 * 60_000);
    vi.useRealTimers();
    for (const name of [main, ...moves.map((move) => move.room)])
      expect(registry.find(name), name).toBeUndefined();
    expect(m.server.meetings.breakouts.isBreakout(moves[0]?.room ?? '')).toBe(false);
  });
});
