import type { PollMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});

const POLL_ID = 'poll-Marker1';
const open: PollMessage = {
  kind: 'poll-open',
  again: false,
  poll: {
    id: POLL_ID,
    question: 'Marker-Question-9P lunch?',
    options: ['Marker-Answer-9P pizza', 'Marker-Answer-9P soup'],
    multiple: false,
    anonymous: false,
    results: 'live',
  },
};
const vote: PollMessage = { kind: 'poll-vote', pollId: POLL_ID, choices: [1] };
const tally: PollMessage = { kind: 'poll-tally', pollId: POLL_ID, counts: [0, 1], voters: 1 };
const close: PollMessage = { kind: 'poll-close', pollId: POLL_ID, counts: [0, 1], voters: 1 };

describe('polls without E2EE (relayed, never kept)', () => {
  it('relays a moderator’s poll and everyone’s votes with the authenticated sender, to everyone else', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    const ben = await m.participant(name, 'Ben');
    expect(await host.client.send({ type: 'poll-send', message: open })).toMatchObject({ ok: true });
    for (const client of [ann.client, ben.client]) {
      const event = await client.waitForEvent('poll-message', (e) => e.message.kind === 'poll-open');
      expect(event).toMatchObject({ from: host.id, message: open });
    }
    expect(await ann.client.send({ type: 'poll-send', message: vote })).toMatchObject({ ok: true });
    const relayed = await ben.client.waitForEvent('poll-message', (e) => e.message.kind === 'poll-vote');
    expect(relayed.from).toBe(ann.id);
    await host.client.waitForEvent('poll-message', (e) => e.message.kind === 'poll-vote');
    await m.settle(ann.client);
    // Not echoed to its sender.
    expect(m.eventsOf(ann.client, 'poll-message').filter((e) => e.from === ann.id)).toEqual([]);
    expect(await host.client.send({ type: 'poll-send', message: close })).toMatchObject({ ok: true });
    await ann.client.waitForEvent('poll-message', (e) => e.message.kind === 'poll-close');
  });

  it('sends an anonymous vote to the poll’s creator only', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    const ben = await m.participant(name, 'Ben');
    expect(await ann.client.send({ type: 'poll-send', message: vote, to: host.id })).toMatchObject({
      ok: true,
    });
    const got = await host.client.waitForEvent('poll-message');
    expect(got).toMatchObject({ from: ann.id, message: vote });
    await m.settle(ben.client, ann.client);
    expect(m.eventsOf(ben.client, 'poll-message')).toEqual([]);
    // Only votes go to one participant.
    expect(await host.client.send({ type: 'poll-send', message: tally, to: ann.id })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
  });

  it('lets only moderators open, tally and close polls (authorization matrix for poll-send)', async () => {
    const name = m.room();
    const host = await m.host(name);
    const guest = await m.participant(name, 'Guest');
    const knocker = guest.client;
    await host.client.send({ type: 'set-lobby', enabled: true });
    const late = await m.connect();
    await late.join(name, 'Still knocking');
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
    const stranger = await m.connect();
    const eventsBefore = host.client.events.length;
    for (const message of [open, tally, close]) {
      const asGuest = await knocker.send({ type: 'poll-send', message });
      expect(asGuest, `${message.kind} from a guest`).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(asGuest.ok === false && asGuest.error.message).toMatch(/moderator/);
      expect(await late.send({ type: 'poll-send', message }), `${message.kind} knocking`).toMatchObject({
        ok: false,
        error: { code: 'not-joined' },
      });
      expect(await stranger.send({ type: 'poll-send', message }), `${message.kind} bare`).toMatchObject({
        ok: false,
        error: { code: 'not-joined' },
      });
    }
    // A vote is for everyone in the meeting, not for those outside.
    expect(await late.send({ type: 'poll-send', message: vote })).toMatchObject({
      error: { code: 'not-joined' },
    });
    await m.settle(host.client);
    expect(host.client.events.slice(eventsBefore).filter((e) => e.type === 'poll-message')).toEqual([]);
    // Would notice: the host may.
    expect(await host.client.send({ type: 'poll-send', message: open })).toMatchObject({ ok: true });
  });

  it('caps sizes: 2–10 answers, question and answer length, option indexes', async () => {
    const name = m.room();
    const host = await m.host(name);
    const poll = open.kind === 'poll-open' ? open.poll : null;
    if (!poll) throw new Error('unreachable');
    const refused = async (message: unknown) =>
      expect(await host.client.send({ type: 'poll-send', message } as never)).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
    await refused({ ...open, poll: { ...poll, options: ['only one'] } });
    await refused({ ...open, poll: { ...poll, options: Array.from({ length: 11 }, (_, i) => `a${i}`) } });
    await refused({ ...open, poll: { ...poll, question: 'q'.repeat(301) } });
    await refused({ ...open, poll: { ...poll, options: ['x'.repeat(121), 'b'] } });
    await refused({ ...open, poll: { ...poll, question: '   ' } });
    await refused({ kind: 'poll-vote', pollId: POLL_ID, choices: [10] });
    await refused({ kind: 'poll-vote', pollId: POLL_ID, choices: [] });
    await refused({ kind: 'poll-vote', pollId: 'no', choices: [0] });
    await refused({ kind: 'poll-tally', pollId: POLL_ID, counts: [1], voters: 1 });
    expect(
      await host.client.send({
        type: 'poll-send',
        message: { ...open, poll: { ...poll, options: Array.from({ length: 10 }, (_, i) => `a${i}`) } },
      }),
    ).toMatchObject({ ok: true });
  });

  it('limits how fast one participant sends poll messages', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    m.freezeClock();
    try {
      for (let i = 0; i < 10; i++)
        expect(await ann.client.send({ type: 'poll-send', message: vote })).toMatchObject({ ok: true });
      expect(await ann.client.send({ type: 'poll-send', message: vote })).toMatchObject({
        ok: false,
        error: { code: 'rate-limited' },
      });
    } finally {
      m.releaseClock();
    }
    await m.settle(host.client);
  });

  it('refuses clear poll messages while the meeting is encrypted', async () => {
    const name = m.room();
    const host = await m.host(name);
    await m.participant(name, 'Ann');
    expect(await host.client.send({ type: 'e2ee-enable' })).toMatchObject({ ok: true });
    expect(await host.client.send({ type: 'poll-send', message: open })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
  });

  it('keeps nothing and logs no poll text', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    await host.client.send({ type: 'poll-send', message: open });
    await ann.client.send({ type: 'poll-send', message: vote });
    await host.client.send({ type: 'poll-send', message: close });
    await m.settle(host.client, ann.client);
    const everything = m.logLines.join('\n');
    expect(everything).toContain('meeting opened'); // the log is really captured
    expect(everything).not.toMatch(/Marker-|lunch|pizza|soup/);
    // Nothing about the poll in the room's state.
    const room = m.server.meetings.registry.find(name);
    expect(JSON.stringify(m.snapshot(name))).not.toMatch(/Marker|pizza/);
    expect(Object.keys(m.server.meetings.polls)).toEqual(['access']);
    expect(room).toBeDefined();
  });
});
