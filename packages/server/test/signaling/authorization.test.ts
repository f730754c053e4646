import {
  type ClientMessage,
  MODERATOR_POLL_KINDS,
  MODERATOR_REQUESTS,
  type PollMessage,
} from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingClient } from './harness.js';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});

type ModeratorRequest = (typeof MODERATOR_REQUESTS)[number];
type Request<T extends ModeratorRequest> = Omit<Extract<ClientMessage, { type: T }>, 'id'>;

/** Targets that exist in the meeting, so each request would really change something if allowed. */
interface Targets {
  hostId: string;
  hardMutedId: string;
  lobbyEntryId: string;
  selfId: string;
}

/** One valid, effective request per moderator request type. */
const REQUESTS: { [T in ModeratorRequest]: (t: Targets) => Request<T> } = {
  'set-password': () => ({ type: 'set-password', password: 'taken over' }),
  'set-lobby': () => ({ type: 'set-lobby', enabled: false }),
  'lobby-admit': (t) => ({ type: 'lobby-admit', entryId: t.lobbyEntryId }),
  'lobby-deny': (t) => ({ type: 'lobby-deny', entryId: t.lobbyEntryId }),
  'set-locked': () => ({ type: 'set-locked', locked: true }),
  'invite-create': () => ({ type: 'invite-create', expiresInSeconds: 3600 }),
  'invite-revoke-all': () => ({ type: 'invite-revoke-all' }),
  kick: (t) => ({ type: 'kick', participantId: t.hostId }),
  mute: (t) => ({ type: 'mute', participantId: t.hostId, hard: true }),
  'mute-all': () => ({ type: 'mute-all', hard: true }),
  'allow-unmute': (t) => ({ type: 'allow-unmute', participantId: t.hardMutedId }),
  'set-role': (t) => ({ type: 'set-role', participantId: t.selfId, role: 'moderator' }),
  'end-meeting': () => ({ type: 'end-meeting' }),
  'set-chat-history': () => ({ type: 'set-chat-history', enabled: false }),
  'chat-clear': () => ({ type: 'chat-clear' }),
  'lower-hand': (t) => ({ type: 'lower-hand', participantId: t.hostId }),
  'breakout-create': () => ({ type: 'breakout-create', count: 2 }),
  'breakout-assign': (t) => ({
    type: 'breakout-assign',
    assignments: [{ participantId: t.selfId, roomId: null }],
  }),
  'breakout-assign-random': () => ({ type: 'breakout-assign-random' }),
  'breakout-allow-choice': () => ({ type: 'breakout-allow-choice', allowed: true }),
  'breakout-open': () => ({ type: 'breakout-open', seconds: 600 }),
  'breakout-timer': () => ({ type: 'breakout-timer', seconds: 120 }),
  'breakout-close': () => ({ type: 'breakout-close' }),
  'breakout-broadcast': () => ({ type: 'breakout-broadcast', text: 'Back in five minutes' }),
  'breakout-visit': () => ({ type: 'breakout-visit', roomId: null }),
  'recording-permit': (t) => ({ type: 'recording-permit', participantId: t.selfId, allowed: true }),
};

/**
 * A meeting with something for every moderator action to act on: a host with a published mic, an
 * ordinary participant (the one who tries), a hard-muted participant, a guest knocking at the lobby,
 * chat history on with a message in it, a password, and an invitation.
 */
async function meetingWithEverything() {
  const name = m.room();
  const host = await m.host(name);
  await host.client.send({ type: 'publish', sdp: 'v=0 offer', tracks: [{ mid: '0', source: 'mic' }] });
  const member = await m.participant(name, 'Mallory');
  const muted = await m.participant(name, 'Muted');
  await host.client.send({ type: 'mute', participantId: muted.id, hard: true });
  await muted.client.send({ type: 'request-unmute' });
  await host.client.send({ type: 'set-chat-history', enabled: true });
  await muted.client.send({ type: 'chat-send', text: 'a message in the history' });
  await host.client.send({ type: 'set-password', password: 'the password' });
  await host.client.send({ type: 'set-lobby', enabled: true });
  await host.client.send({ type: 'set-hand', raised: true });
  const knocker = await m.connect();
  await knocker.join(name, 'Knocker', { password: 'the password' });
  const queue = await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
  const invitation = await host.client.send({ type: 'invite-create' });
  const token = invitation.ok ? (invitation.result as { token: string }).token : '';
  const clients = [host.client, member.client, muted.client, knocker];
  await m.settle(...clients);
  return {
    name,
    host,
    member,
    knocker,
    clients,
    token,
    targets: {
      hostId: host.id,
      hardMutedId: muted.id,
      lobbyEntryId: queue.entries[0]?.id ?? '',
      selfId: member.id,
    },
  };
}

describe('authorization matrix', () => {
  it('has a request for every moderator action', () => {
    expect(Object.keys(REQUESTS).sort()).toEqual([...MODERATOR_REQUESTS].sort());
  });

  for (const type of MODERATOR_REQUESTS) {
    it(`refuses ${type} from a participant, a knocking guest and a bare socket, changing nothing`, async () => {
      const meeting = await meetingWithEverything();
      const before = m.snapshot(meeting.name);
      const mediaCallsBefore = m.mediaCalls.length;
      const eventCounts = (clients: SignalingClient[]) => clients.map((c) => c.events.length);
      const eventsBefore = eventCounts(meeting.clients);
      const request = REQUESTS[type](meeting.targets);

      // An admitted participant who is not a moderator.
      const asMember = await meeting.member.client.send(request);
      expect(asMember, type).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(asMember.ok === false && asMember.error.message).toMatch(/moderator/);
      // A guest still knocking at the lobby.
      const asKnocker = await meeting.knocker.send({ ...request });
      expect(asKnocker, type).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      // A socket that has not joined anything.
      const stranger = await m.connect();
      expect(await stranger.send({ ...request }), type).toMatchObject({
        ok: false,
        error: { code: 'not-joined' },
      });

      await m.settle(...meeting.clients);
      expect(eventCounts(meeting.clients), `${type}: no events to anyone`).toEqual(eventsBefore);
      expect(m.snapshot(meeting.name), `${type}: meeting state`).toEqual(before);
      expect(m.mediaCalls.length, `${type}: media plane untouched`).toBe(mediaCallsBefore);
      expect(
        meeting.clients.map((c) => c.closeCode),
        `${type}: nobody disconnected`,
      ).toEqual([null, null, null, null]);
      expect(
        m.server.meetings.invitations.check(meeting.token, meeting.name).valid,
        `${type}: invitations`,
      ).toBe(true);
      // The password is still the one the host set.
      const late = await m.connect();
      expect(await late.join(meeting.name, 'Late', { password: 'taken over' })).toMatchObject({
        error: { code: 'wrong-password' },
      });
    });
  }

  it('would notice a change: the same request from the host does change the meeting', async () => {
    const meeting = await meetingWithEverything();
    const before = m.snapshot(meeting.name);
    expect(await meeting.host.client.send(REQUESTS['set-lobby'](meeting.targets))).toMatchObject({
      ok: true,
    });
    expect(m.snapshot(meeting.name)).not.toEqual(before);
  });
});

/**
 * `poll-send` is open to everyone for votes, but opening, tallying and closing a poll are moderator
 * actions (packages/protocol/src/polls.ts, MODERATOR_POLL_KINDS): the same matrix for those.
 */
describe('authorization matrix: poll-send', () => {
  const poll = {
    id: 'authz-poll-1',
    question: 'Who runs this?',
    options: ['me', 'you'],
    multiple: false,
    anonymous: false,
    results: 'live' as const,
  };
  const messages: Record<string, PollMessage> = {
    'poll-open': { kind: 'poll-open', poll, again: false },
    'poll-tally': { kind: 'poll-tally', pollId: poll.id, counts: [1, 0], voters: 1 },
    'poll-close': { kind: 'poll-close', pollId: poll.id, counts: [1, 0], voters: 1 },
  };

  it('covers every moderator poll message', () => {
    expect(Object.keys(messages).sort()).toEqual([...MODERATOR_POLL_KINDS].sort());
  });

  for (const [kind, message] of Object.entries(messages)) {
    it(`refuses ${kind} from a participant, a knocking guest and a bare socket, relaying nothing`, async () => {
      const meeting = await meetingWithEverything();
      const before = m.snapshot(meeting.name);
      const eventsBefore = meeting.clients.map((c) => c.events.length);
      const request = { type: 'poll-send' as const, message };
      const asMember = await meeting.member.client.send(request);
      expect(asMember, kind).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(asMember.ok === false && asMember.error.message).toMatch(/moderator/);
      expect(await meeting.knocker.send({ ...request }), kind).toMatchObject({
        ok: false,
        error: { code: 'not-joined' },
      });
      const stranger = await m.connect();
      expect(await stranger.send({ ...request }), kind).toMatchObject({
        ok: false,
        error: { code: 'not-joined' },
      });
      await m.settle(...meeting.clients);
      expect(
        meeting.clients.map((c) => c.events.length),
        `${kind}: no events to anyone`,
      ).toEqual(eventsBefore);
      expect(m.snapshot(meeting.name), `${kind}: meeting state`).toEqual(before);
      // Would notice: the host's is relayed.
      expect(await meeting.host.client.send({ ...request })).toMatchObject({ ok: true });
      await meeting.member.client.waitForEvent('poll-message', (e) => e.message.kind === kind);
    });
  }
});

/**
 * Recording requests that are not for moderators only: each checked against the sender's standing
 * (docs/protocol.md, "Recording"). Refusals change nothing and tell nobody.
 */
describe('authorization: recording', () => {
  it('refuses recording-start from a participant not allowed, a knocking guest and a bare socket', async () => {
    const meeting = await meetingWithEverything();
    const before = m.snapshot(meeting.name);
    const eventsBefore = meeting.clients.map((c) => c.events.length);
    expect(await meeting.member.client.send({ type: 'recording-start' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await meeting.knocker.send({ type: 'recording-start' })).toMatchObject({
      ok: false,
      error: { code: 'not-joined' },
    });
    const stranger = await m.connect();
    expect(await stranger.send({ type: 'recording-start' })).toMatchObject({ error: { code: 'not-joined' } });
    await m.settle(...meeting.clients);
    expect(meeting.clients.map((c) => c.events.length)).toEqual(eventsBefore);
    expect(m.snapshot(meeting.name)).toEqual(before);
    const room = m.server.meetings.registry.find(meeting.name);
    expect(room && m.server.meetings.recording.stateOf(room).recording).toBeNull();
  });

  it("refuses recording-stop from someone else's participant, and answers without a recording", async () => {
    const meeting = await meetingWithEverything();
    expect(await meeting.member.client.send({ type: 'recording-consent', accept: true })).toMatchObject({
      error: { code: 'not-found' },
    });
    expect(await meeting.host.client.send({ type: 'recording-start' })).toMatchObject({ ok: true });
    expect(await meeting.member.client.send({ type: 'recording-stop' })).toMatchObject({
      error: { code: 'forbidden' },
    });
    expect(await meeting.knocker.send({ type: 'recording-stop' })).toMatchObject({
      error: { code: 'not-joined' },
    });
    expect(await meeting.knocker.send({ type: 'recording-consent', accept: true })).toMatchObject({
      error: { code: 'not-joined' },
    });
    const room = m.server.meetings.registry.find(meeting.name);
    expect(room && m.server.meetings.recording.stateOf(room).recording).toMatchObject({
      recorderId: meeting.host.id,
      consented: [meeting.host.id],
    });
  });
});
