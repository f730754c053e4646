import { CloseCode } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RESUME_TOKEN_MS, ResumeTokens } from '../../src/meeting/resume-tokens.js';
import type { SignalingClient } from './harness.js';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});
afterEach(() => m.releaseClock());

let keys = 0;
/** A client key of a browser of its own. */
const clientKey = () => `client-key-of-browser-${++keys}`.padEnd(24, '0');

/**
 * A room with a host and a guest (who joined before the host shut the doors), then password, lobby
 * and lock on: nobody new gets in without the host.
 */
async function guardedMeeting() {
  const name = m.room();
  const host = await m.host(name);
  const key = clientKey();
  const guest = await m.participant(name, 'Gina', { clientKey: key });
  const joined = await guest.client.waitForEvent('joined');
  for (const request of [
    { type: 'set-password', password: 'open sesame' },
    { type: 'set-lobby', enabled: true },
    { type: 'set-locked', locked: true },
  ] as const) {
    expect(await host.client.send(request)).toMatchObject({ ok: true });
  }
  return { name, host, guest, key, token: joined.resumeToken };
}

/** Someone's connection drops; the host sees them leave. */
async function drop(who: { client: SignalingClient; id: string }, host: { client: SignalingClient }) {
  await who.client.close();
  await host.client.waitForEvent('participant-left', (e) => e.participantId === who.id);
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('resuming after a dropped connection', () => {
  it('lets the person straight back in past password, lobby and lock, and the others see them return', async () => {
    const { name, host, guest, key, token } = await guardedMeeting();
    expect(token.length).toBeGreaterThan(0);
    expect(token.length).toBeLessThanOrEqual(1024);
    expect(token).not.toContain(name);
    await drop(guest, host);

    const back = await m.connect();
    expect(await back.join(name, 'Gina', { clientKey: key, resume: token })).toMatchObject({
      ok: true,
      result: { status: 'joined' },
    });
    const joined = await back.waitForEvent('joined');
    expect(joined.self.role).toBe('participant');
    expect(joined.participants.map((p) => p.id)).toEqual([host.id]);
    // Someone coming back learns that the meeting is not encrypted (their app holds media until it knows).
    await back.waitForEvent('e2ee-state', (e) => e.state === 'off');
    await host.client.waitForEvent('participant-joined', (e) => e.participant.id === joined.self.id);
    // Nobody knocked: the host's lobby stayed empty.
    expect(m.eventsOf(host.client, 'lobby-updated').filter((e) => e.entries.length > 0)).toEqual([]);
  });

  it('keeps the role the person had, including one given during the meeting', async () => {
    const { name, host, guest, key } = await guardedMeeting();
    expect(
      await host.client.send({ type: 'set-role', participantId: guest.id, role: 'moderator' }),
    ).toMatchObject({
      ok: true,
    });
    const renewed = await guest.client.waitForEvent('resume-token');
    await drop(guest, host);

    const back = await m.connect();
    expect(await back.join(name, 'Gina', { clientKey: key, resume: renewed.token })).toMatchObject({
      result: { status: 'joined' },
    });
    expect((await back.waitForEvent('joined')).self.role).toBe('moderator');
    // A moderator in deed: they may change the meeting's settings.
    expect(await back.send({ type: 'set-lobby', enabled: false })).toMatchObject({ ok: true });
  });

  it('works only for the browser it was issued to: with another client key it is a normal join', async () => {
    const { name, token } = await guardedMeeting();
    const thief = await m.connect();
    expect(await thief.join(name, 'Gina', { clientKey: clientKey(), resume: token })).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
  });

  it('replaces the old connection when the server has not noticed it drop yet', async () => {
    const { name, host, guest, key, token } = await guardedMeeting();
    const back = await m.connect();
    expect(await back.join(name, 'Gina', { clientKey: key, resume: token })).toMatchObject({
      result: { status: 'joined' },
    });
    expect(await guest.client.waitForClose()).toBe(CloseCode.replaced);
    await host.client.waitForEvent('participant-left', (e) => e.participantId === guest.id);
    const room = m.server.meetings.registry.find(name);
    expect([...(room?.participants.values() ?? [])].map((p) => p.displayName).sort()).toEqual([
      'Gina',
      'Hana',
    ]);
  });

  it('does not let a removed person back in: they knock at the lobby like anyone removed', async () => {
    const { name, host, guest, key, token } = await guardedMeeting();
    // Unlocked, so that the lobby (not the lock) is what a removed person meets.
    await host.client.send({ type: 'set-locked', locked: false });
    expect(await host.client.send({ type: 'kick', participantId: guest.id })).toMatchObject({ ok: true });
    expect(await guest.client.waitForClose()).toBe(CloseCode.removed);

    const back = await m.connect();
    expect(
      await back.join(name, 'Gina', { clientKey: key, resume: token, password: 'open sesame' }),
    ).toMatchObject({ ok: true, result: { status: 'lobby' } });
    await host.client.waitForEvent('lobby-updated', (e) =>
      e.entries.some((entry) => entry.displayName === 'Gina'),
    );
  });

  it('does not reopen a meeting a moderator ended', async () => {
    const { name, host, guest, key, token } = await guardedMeeting();
    expect(await host.client.send({ type: 'end-meeting' })).toMatchObject({ ok: true });
    await guest.client.waitForClose();
    expect(m.server.meetings.registry.find(name)).toBeUndefined();

    const back = await m.connect();
    expect(await back.join(name, 'Gina', { clientKey: key, resume: token })).toMatchObject({
      ok: true,
      result: { status: 'waiting-for-host' },
    });
    expect(m.server.meetings.registry.find(name)?.isOpen).toBe(false);
  });

  it('treats a tampered, expired or other room’s token as a normal join (password asked again)', async () => {
    const { name, key, token } = await guardedMeeting();
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const forged = `${Buffer.from(Buffer.from(payload, 'base64url').toString().replace('participant', 'moderator')).toString('base64url')}.${signature}`;
    const other = m.room();
    await m.host(other);
    for (const [room, resume] of [
      [name, flipped],
      [name, forged],
      [name, 'not a token'],
      [other, token],
    ] as const) {
      const client = await m.connect();
      const reply = await client.join(room, 'Gina', { clientKey: key, resume });
      if (room === name) expect(reply).toMatchObject({ ok: false, error: { code: 'password-required' } });
      else expect(reply).toMatchObject({ ok: true, result: { status: 'joined' } });
      await client.close();
    }
    m.advanceClock(RESUME_TOKEN_MS + 1000);
    const late = await m.connect();
    expect(await late.join(name, 'Gina', { clientKey: key, resume: token })).toMatchObject({
      ok: false,
      error: { code: 'password-required' },
    });
  });

  it('keeps an emptied meeting for a moderator’s token: a participant’s token waits, then both are in', async () => {
    const { name, host, guest, key } = await guardedMeeting();
    await host.client.send({ type: 'set-role', participantId: guest.id, role: 'moderator' });
    const moderatorToken = (await guest.client.waitForEvent('resume-token')).token;
    const otherKey = clientKey();
    const plain = await m
      .participant(name, 'Paul', { clientKey: otherKey, password: 'open sesame' })
      .catch(() => null);
    // The meeting is locked: Paul could not join. Unlock for him, then everyone drops.
    expect(plain).toBeNull();
    await host.client.send({ type: 'set-locked', locked: false });
    await host.client.send({ type: 'set-lobby', enabled: false });
    const paul = await m.participant(name, 'Paul', { clientKey: otherKey, password: 'open sesame' });
    const paulToken = (await paul.client.waitForEvent('joined')).resumeToken;
    const meetingId = m.server.meetings.registry.find(name)?.meetingId;
    await Promise.all([host.client.close(), guest.client.close(), paul.client.close()]);
    await waitUntil(() => m.server.meetings.registry.find(name)?.participants.size === 0);
    // Kept with its settings: a newcomer still needs the password.
    const stranger = await m.connect();
    expect(await stranger.join(name, 'Sam')).toMatchObject({
      ok: false,
      error: { code: 'password-required' },
    });

    // A participant's token does not reopen it: Paul waits for a moderator.
    const paulBack = await m.connect();
    expect(await paulBack.join(name, 'Paul', { clientKey: otherKey, resume: paulToken })).toMatchObject({
      result: { status: 'waiting-for-host' },
    });

    const ginaBack = await m.connect();
    expect(await ginaBack.join(name, 'Gina', { clientKey: key, resume: moderatorToken })).toMatchObject({
      result: { status: 'joined' },
    });
    const joined = await ginaBack.waitForEvent('joined');
    expect(joined.self.role).toBe('moderator');
    expect(joined.participants.map((p) => p.displayName)).toEqual(['Paul']);
    expect((await paulBack.waitForEvent('joined')).self.role).toBe('participant');
    expect(m.server.meetings.registry.find(name)?.meetingId).toBe(meetingId);
    expect(m.server.meetings.registry.find(name)?.settings).toMatchObject({ passwordSet: true });
    // Tokens are bound to the signing key: another server (another key) cannot use them.
    expect(new ResumeTokens().verify(joined.resumeToken, name)).toBeNull();
  });
});
