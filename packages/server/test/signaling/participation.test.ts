import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MeetingServer, type Reply, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});
afterEach(() => m.releaseClock());

describe('room password', () => {
  it('is asked of people who join after a moderator set it, and only of them', async () => {
    const name = m.room();
    const host = await m.host(name);
    const early = await m.participant(name, 'Early Bird');

    expect(await host.client.send({ type: 'set-password', password: 'open sesame' })).toMatchObject({
      ok: true,
    });
    for (const client of [host.client, early.client]) {
      const update = await client.waitForEvent('settings-updated');
      expect(update.settings).toEqual({
        passwordSet: true,
        lobbyEnabled: false,
        locked: false,
        chatHistory: false,
      });
    }
    // The password itself is sent to nobody.
    expect(JSON.stringify(host.client.events)).not.toContain('open sesame');

    const late = await m.connect();
    const without = await late.join(name, 'Late');
    expect(without).toMatchObject({ ok: false, error: { code: 'password-required' } });
    expect(without.ok === false && without.error.message).toMatch(/password/);
    const wrong = await late.join(name, 'Late', { password: 'open sesam' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'wrong-password' } });
    expect(wrong.ok === false && wrong.error.message).toMatch(/not right/);
    expect(await late.join(name, 'Late', { password: 'open sesame' })).toMatchObject({
      ok: true,
      result: { status: 'joined' },
    });
    const joined = await late.waitForEvent('joined');
    expect(joined.settings.passwordSet).toBe(true);
    expect(early.client.events.some((e) => e.type === 'joined' && e.self.id === early.id)).toBe(true);

    // A signed-in account holder is a host of this server: no password asked.
    const otherHost = await m.connect({ cookie: await m.signIn() });
    expect(await otherHost.join(name, 'Co-host')).toMatchObject({ ok: true, result: { status: 'joined' } });

    // Changed: the old one no longer works. Removed: nobody is asked.
    await host.client.send({ type: 'set-password', password: 'second' });
    const next = await m.connect();
    expect(await next.join(name, 'Next', { password: 'open sesame' })).toMatchObject({
      error: { code: 'wrong-password' },
    });
    await host.client.send({ type: 'set-password', password: null });
    await host.client.waitForEvent('settings-updated', (e) => !e.settings.passwordSet);
    expect(await next.join(name, 'Next')).toMatchObject({ ok: true, result: { status: 'joined' } });
  });

  it('slows down guessing after five wrong passwords, longer each time, per client address', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-password', password: 'right one' });
    m.freezeClock();
    const guesser = await m.connect({ address: '192.0.2.77' });
    for (let i = 1; i <= 4; i++) {
      const reply = await guesser.join(name, 'Guesser', { password: `guess ${i}` });
      expect(reply).toMatchObject({ ok: false, error: { code: 'wrong-password' } });
      expect(reply.ok === false && reply.error.retryAfterSeconds).toBeUndefined();
    }
    const fifth = await guesser.join(name, 'Guesser', { password: 'guess 5' });
    expect(fifth).toMatchObject({ ok: false, error: { code: 'wrong-password', retryAfterSeconds: 2 } });
    // Now even the right password is not looked at until the wait is over, from a new socket too.
    const again = await m.connect({ address: '192.0.2.77' });
    const blocked = await again.join(name, 'Guesser', { password: 'right one' });
    expect(blocked).toMatchObject({ ok: false, error: { code: 'rate-limited', retryAfterSeconds: 2 } });
    expect(blocked.ok === false && blocked.error.message).toMatch(/wait 2 seconds/);
    // Someone else is not held up.
    const bystander = await m.connect({ address: '192.0.2.78' });
    expect(await bystander.join(name, 'Bystander', { password: 'right one' })).toMatchObject({ ok: true });

    m.advanceClock(2000);
    expect(await again.join(name, 'Guesser', { password: 'guess 6' })).toMatchObject({
      error: { code: 'wrong-password', retryAfterSeconds: 4 },
    });
    m.advanceClock(3500);
    expect(await again.join(name, 'Guesser', { password: 'right one' })).toMatchObject({
      error: { code: 'rate-limited', retryAfterSeconds: 1 },
    });
    m.advanceClock(500);
    expect(await again.join(name, 'Guesser', { password: 'right one' })).toMatchObject({
      ok: true,
      result: { status: 'joined' },
    });
  });

  it('forgets the throttling when the address key rotates', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-password', password: 'right one' });
    const guesser = await m.connect({ address: '192.0.2.90' });
    for (let i = 1; i <= 5; i++) await guesser.join(name, 'Guesser', { password: `guess ${i}` });
    expect(await guesser.join(name, 'Guesser', { password: 'right one' })).toMatchObject({
      error: { code: 'rate-limited' },
    });
    m.server.ipHasher.rotate();
    const fresh = await m.connect({ address: '192.0.2.90' });
    expect(await fresh.join(name, 'Guesser', { password: 'right one' })).toMatchObject({ ok: true });
  });
});

describe('lobby', () => {
  it('lets a guest knock, shows the queue to every moderator, and admits', async () => {
    const name = m.room();
    const host = await m.host(name);
    const coHost = await m.host(name, 'Co');
    expect(await host.client.send({ type: 'set-lobby', enabled: true })).toMatchObject({ ok: true });
    await coHost.client.waitForEvent('settings-updated', (e) => e.settings.lobbyEnabled);

    const guest = await m.connect();
    expect(await guest.join(name, 'Gina')).toMatchObject({ ok: true, result: { status: 'lobby' } });
    for (const mod of [host.client, coHost.client]) {
      const queue = await mod.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
      expect(queue.entries[0]?.displayName).toBe('Gina');
    }
    const entryId = m.eventsOf(host.client, 'lobby-updated').at(-1)?.entries[0]?.id ?? '';
    // While knocking, the guest is not in the meeting.
    expect(await guest.send({ type: 'chat-send', text: 'hello?' })).toMatchObject({
      error: { code: 'not-joined' },
    });
    expect(await guest.send({ type: 'subscribe', sdp: 'v=0' })).toMatchObject({
      error: { code: 'not-joined' },
    });
    expect(m.mediaCalls).not.toContain(`add ${entryId}`);

    expect(await coHost.client.send({ type: 'lobby-admit', entryId })).toMatchObject({ ok: true });
    const joined = await guest.waitForEvent('joined');
    expect(joined.self).toMatchObject({ id: entryId, displayName: 'Gina', role: 'participant' });
    expect(joined.settings.lobbyEnabled).toBe(true);
    expect(m.mediaCalls).toContain(`add ${entryId}`);
    await host.client.waitForEvent('participant-joined', (e) => e.participant.id === entryId);
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 0);
    expect(await host.client.send({ type: 'lobby-admit', entryId })).toMatchObject({
      error: { code: 'not-found' },
    });
  });

  it('turns a guest away on deny, and drops a guest who gives up from the queue', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-lobby', enabled: true });
    const denied = await m.connect();
    await denied.join(name, 'Dan');
    const quitter = await m.connect();
    await quitter.join(name, 'Quinn');
    const queue = await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 2);
    const [danEntry, quinnEntry] = queue.entries;

    expect(await host.client.send({ type: 'lobby-deny', entryId: danEntry?.id ?? '' })).toMatchObject({
      ok: true,
    });
    expect(await denied.waitForEvent('join-denied')).toEqual({ type: 'join-denied', reason: 'denied' });
    expect(await denied.waitForClose()).toBe(4004);
    expect(denied.events.some((e) => e.type === 'joined')).toBe(false);
    await host.client.waitForEvent(
      'lobby-updated',
      (e) => e.entries.length === 1 && e.entries[0]?.id === quinnEntry?.id,
    );

    await quitter.close();
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 0);
    expect(m.snapshot(name)?.lobby).toEqual([]);
  });

  it('checks the password before anyone knocks', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-lobby', enabled: true });
    await host.client.send({ type: 'set-password', password: 'pw' });
    const guest = await m.connect();
    expect(await guest.join(name, 'Gina')).toMatchObject({ error: { code: 'password-required' } });
    expect(await guest.join(name, 'Gina', { password: 'nope' })).toMatchObject({
      error: { code: 'wrong-password' },
    });
    await m.settle(host.client);
    expect(m.eventsOf(host.client, 'lobby-updated')).toEqual([]);
    expect(await guest.join(name, 'Gina', { password: 'pw' })).toMatchObject({ result: { status: 'lobby' } });
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
  });

  it('admits nobody when switched off: the guests knocking still wait for a decision', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-lobby', enabled: true });
    const guest = await m.connect();
    await guest.join(name, 'Gina');
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
    await host.client.send({ type: 'set-lobby', enabled: false });
    await m.settle(guest);
    expect(guest.events.some((e) => e.type === 'joined')).toBe(false);
    expect(m.snapshot(name)?.lobby).toHaveLength(1);
    // New guests come straight in now.
    const next = await m.connect();
    expect(await next.join(name, 'Ned')).toMatchObject({ result: { status: 'joined' } });
    // A newly promoted moderator learns of the queue at once.
    const nedId = (await next.waitForEvent('joined')).self.id;
    await host.client.send({ type: 'set-role', participantId: nedId, role: 'moderator' });
    const queue = await next.waitForEvent('lobby-updated');
    expect(queue.entries.map((e) => e.displayName)).toEqual(['Gina']);
  });

  it('lets signed-in account holders past the lobby', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-lobby', enabled: true });
    const other = await m.connect({ cookie: await m.signIn() });
    expect(await other.join(name, 'Other host')).toMatchObject({ result: { status: 'joined' } });
  });
});

describe('invitations', () => {
  it('creates a link to the room that lets a guest in past password and lobby', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-password', password: 'secret' });
    await host.client.send({ type: 'set-lobby', enabled: true });
    m.freezeClock();
    const reply = await host.client.send({ type: 'invite-create' });
    expect(reply.ok).toBe(true);
    const invitation = reply.ok ? (reply.result as { url: string; token: string; expiresAt: number }) : null;
    if (!invitation) throw new Error('no invitation');
    const port = new URL(m.server.url).port;
    expect(invitation.url).toBe(`http://127.0.0.1:${port}/room/${name}?invite=${invitation.token}`);
    expect(invitation.expiresAt).toBe(m.now() + 24 * 3600 * 1000);
    expect(reply).toMatchObject({ result: { singleUse: false } });

    for (const guestName of ['Ivy', 'Ian']) {
      const guest = await m.connect();
      expect(await guest.join(name, guestName, { invitation: invitation.token })).toMatchObject({
        ok: true,
        result: { status: 'joined' },
      });
      await guest.waitForEvent('joined');
    }
    await m.settle(host.client);
    expect(m.eventsOf(host.client, 'lobby-updated')).toEqual([]);
  });

  it('uses the origin the browser came by, as a proxy forwards it', async () => {
    const name = m.room();
    const proxied = await m.connect({
      cookie: await m.signIn(),
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'meet.example.org' },
    });
    await proxied.join(name, 'Hana');
    const reply = await proxied.send({ type: 'invite-create', singleUse: true, expiresInSeconds: 3600 });
    expect(reply).toMatchObject({ ok: true, result: { singleUse: true } });
    expect(reply.ok && (reply.result as { url: string }).url).toMatch(
      new RegExp(`^https://meet\\.example\\.org/room/${name}\\?invite=`),
    );
  });

  it('refuses expired, altered, revoked, used and other-room invitations with a message saying which', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-lobby', enabled: true });
    const create = async (extra: { singleUse?: boolean; expiresInSeconds?: number } = {}) => {
      const reply = await host.client.send({ type: 'invite-create', ...extra });
      if (!reply.ok) throw new Error(reply.error.message);
      return (reply.result as { token: string }).token;
    };
    const tryWith = async (token: string, room = name) => {
      const guest = await m.connect();
      return guest.join(room, 'Guest', { invitation: token });
    };

    const short = await create({ expiresInSeconds: 60 });
    const once = await create({ singleUse: true });
    const [payload, signature] = (await create()).split('.') as [string, string];
    const altered = `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const error = (reply: Awaited<ReturnType<typeof tryWith>>) =>
      reply.ok ? 'ok' : `${reply.error.code}: ${reply.error.message}`;

    expect(error(await tryWith(altered))).toMatch(/^invalid-invitation: .*altered/);
    expect(error(await tryWith(once, m.room()))).toMatch(/^invalid-invitation: .*another meeting/);
    expect(await tryWith(once)).toMatchObject({ ok: true, result: { status: 'joined' } });
    expect(error(await tryWith(once))).toMatch(/^invalid-invitation: .*only once/);

    m.advanceClock(61_000);
    expect(error(await tryWith(short))).toMatch(/^invalid-invitation: .*expired/);

    const revoked = await create();
    expect(await host.client.send({ type: 'invite-revoke-all' })).toMatchObject({ ok: true });
    expect(error(await tryWith(revoked))).toMatch(/^invalid-invitation: .*withdrew/);
    const fresh = await create();
    expect(await tryWith(fresh)).toMatchObject({ ok: true, result: { status: 'joined' } });
  });

  it('does not open a locked meeting', async () => {
    const name = m.room();
    const host = await m.host(name);
    const reply = await host.client.send({ type: 'invite-create' });
    const token = reply.ok ? (reply.result as { token: string }).token : '';
    await host.client.send({ type: 'set-locked', locked: true });
    const guest = await m.connect();
    expect(await guest.join(name, 'Ivy', { invitation: token })).toMatchObject({ error: { code: 'locked' } });
    // Not used up by the refused attempt: after unlocking it works.
    await host.client.send({ type: 'set-locked', locked: false });
    expect(await guest.join(name, 'Ivy', { invitation: token })).toMatchObject({
      result: { status: 'joined' },
    });
  });
});

describe('removing a participant', () => {
  it('ends their connection at once and tells everyone', async () => {
    const name = m.room();
    const host = await m.host(name);
    const other = await m.participant(name, 'Olga');
    const target = await m.participant(name, 'Tom');
    expect(await host.client.send({ type: 'kick', participantId: target.id })).toMatchObject({ ok: true });
    expect(await target.client.waitForEvent('removed')).toEqual({ type: 'removed' });
    expect(await target.client.waitForClose()).toBe(4003);
    for (const client of [host.client, other.client]) {
      await client.waitForEvent('participant-left', (e) => e.participantId === target.id);
    }
    expect(m.mediaCalls).toContain(`remove ${target.id}`);
    expect(m.snapshot(name)?.participants.map((p) => p.displayName)).toEqual(['Hana', 'Olga']);
    expect(await host.client.send({ type: 'kick', participantId: target.id })).toMatchObject({
      error: { code: 'not-found' },
    });
    expect(await host.client.send({ type: 'kick', participantId: host.id })).toMatchObject({
      error: { code: 'bad-request' },
    });
  });

  it('sends them to the lobby on every way back in, even with the lobby off', async () => {
    const name = m.room();
    const host = await m.host(name);
    const invite = await host.client.send({ type: 'invite-create' });
    const token = invite.ok ? (invite.result as { token: string }).token : '';
    const clientKey = 'k'.repeat(16) + Math.random().toString(36).slice(2);
    const address = '198.51.100.7';
    const target = await m.connect({ address });
    await target.join(name, 'Tom', { clientKey });
    const targetId = (await target.waitForEvent('joined')).self.id;
    await host.client.send({ type: 'kick', participantId: targetId });
    await target.waitForClose();
    await host.client.send({ type: 'set-password', password: 'pw' });

    const attempts: Array<[string, () => Promise<Reply>]> = [
      [
        'same browser key, other address and name',
        async () => (await m.connect()).join(name, 'Not Tom', { clientKey, password: 'pw' }),
      ],
      [
        'same address, no browser key',
        async () => (await m.connect({ address })).join(name, 'T.', { password: 'pw' }),
      ],
      [
        'invitation link',
        async () => (await m.connect()).join(name, 'Tom', { clientKey, invitation: token }),
      ],
      [
        'invitation from the same address',
        async () => (await m.connect({ address })).join(name, 'Tommy', { invitation: token }),
      ],
    ];
    let knocking = 0;
    for (const [how, attempt] of attempts) {
      const reply = await attempt();
      expect(reply, how).toMatchObject({ ok: true, result: { status: 'lobby' } });
      knocking++;
      await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === knocking);
    }
    // A stranger still walks straight in.
    const stranger = await m.connect();
    expect(await stranger.join(name, 'Stranger', { password: 'pw' })).toMatchObject({
      result: { status: 'joined' },
    });
    // A moderator can let them back in.
    const entry = m.eventsOf(host.client, 'lobby-updated').at(-1)?.entries[0];
    await host.client.send({ type: 'lobby-admit', entryId: entry?.id ?? '' });
    await host.client.waitForEvent('participant-joined', (e) => e.participant.id === entry?.id);
  });

  it('also holds for a signed-in account, and keeps removed people out of a locked meeting', async () => {
    const name = m.room();
    const host = await m.host(name);
    const cookie = await m.signIn();
    const coHost = await m.host(name, 'Carl', cookie);
    await host.client.send({ type: 'kick', participantId: coHost.id });
    await coHost.client.waitForClose();
    const back = await m.connect({ cookie });
    expect(await back.join(name, 'Carl')).toMatchObject({ result: { status: 'lobby' } });
    await back.close();
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 0);
    await host.client.send({ type: 'set-locked', locked: true });
    const again = await m.connect({ cookie });
    expect(await again.join(name, 'Carl')).toMatchObject({ error: { code: 'locked' } });
  });

  it('forgets removed addresses when the address key rotates, but not browser keys', async () => {
    const name = m.room();
    const host = await m.host(name);
    const clientKey = `rotation-test-key-${Math.random()}`;
    const target = await m.connect({ address: '198.51.100.99' });
    await target.join(name, 'Tom', { clientKey });
    const targetId = (await target.waitForEvent('joined')).self.id;
    await host.client.send({ type: 'kick', participantId: targetId });
    await target.waitForClose();
    m.server.ipHasher.rotate();
    expect(await (await m.connect({ address: '198.51.100.99' })).join(name, 'Tom')).toMatchObject({
      result: { status: 'joined' },
    });
    expect(await (await m.connect()).join(name, 'Tom', { clientKey })).toMatchObject({
      result: { status: 'lobby' },
    });
  });
});

describe('locking', () => {
  it('keeps newcomers out, turns away those knocking, and lets people who were in come back', async () => {
    const name = m.room();
    const hostCookie = await m.signIn();
    const host = await m.host(name, 'Hana', hostCookie);
    const clientKey = `returning-guest-key-${Math.random()}`;
    const regular = await m.connect();
    await regular.join(name, 'Rita', { clientKey });
    await regular.waitForEvent('joined');
    await m.participant(name, 'Pete'); // stays throughout, so the meeting goes on
    await host.client.send({ type: 'set-lobby', enabled: true });
    const knocker = await m.connect();
    await knocker.join(name, 'Kim');
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 1);

    expect(await host.client.send({ type: 'set-locked', locked: true })).toMatchObject({ ok: true });
    await regular.waitForEvent('settings-updated', (e) => e.settings.locked);
    expect(await knocker.waitForEvent('join-denied')).toEqual({ type: 'join-denied', reason: 'locked' });
    expect(await knocker.waitForClose()).toBe(4004);
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 0);

    const newcomer = await m.connect();
    const refused = await newcomer.join(name, 'Nina');
    expect(refused).toMatchObject({ error: { code: 'locked' } });
    expect(refused.ok === false && refused.error.message).toMatch(/locked/);
    expect(await (await m.connect({ cookie: await m.signIn() })).join(name, 'New host')).toMatchObject({
      error: { code: 'locked' },
    });

    // Rita's connection drops; she comes back (through the lobby, which is on).
    await regular.close();
    const rita = await m.connect();
    expect(await rita.join(name, 'Rita', { clientKey })).toMatchObject({ result: { status: 'lobby' } });
    // The host's connection drops; the host comes back in.
    await host.client.close();
    const hostAgain = await m.connect({ cookie: hostCookie });
    expect(await hostAgain.join(name, 'Hana')).toMatchObject({ result: { status: 'joined' } });

    await hostAgain.send({ type: 'set-locked', locked: false });
    expect(await newcomer.join(name, 'Nina')).toMatchObject({ result: { status: 'lobby' } });
  });
});

describe('ending the meeting', () => {
  it('closes every connection with a reason and forgets the room', async () => {
    const name = m.room();
    const host = await m.host(name);
    const guest = await m.participant(name, 'Gina');
    await host.client.send({ type: 'set-password', password: 'pw' });
    await host.client.send({ type: 'set-lobby', enabled: true });
    const knocker = await m.connect();
    await knocker.join(name, 'Kim', { password: 'pw' });
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
    const roomId = m.snapshot(name)?.id;

    expect(await host.client.send({ type: 'end-meeting' })).toMatchObject({ ok: true });
    for (const client of [host.client, guest.client]) {
      expect(await client.waitForEvent('room-closed')).toEqual({ type: 'room-closed', reason: 'ended' });
      expect(await client.waitForClose()).toBe(4005);
    }
    expect(await knocker.waitForEvent('join-denied')).toEqual({ type: 'join-denied', reason: 'ended' });
    expect(await knocker.waitForClose()).toBe(4004);
    expect(guest.client.events.some((e) => e.type === 'participant-left')).toBe(false);
    expect(m.snapshot(name)).toBeNull();
    expect(m.mediaCalls).toContain(`close ${roomId}`);

    // The name is free: a new meeting, without the old password, lobby or removals.
    const fresh = await m.connect();
    expect(await fresh.join(name, 'Gina')).toMatchObject({ result: { status: 'waiting-for-host' } });
  });

  it('turns the knocking guests away when the last participant leaves, and keeps the settings', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-lobby', enabled: true });
    const knocker = await m.connect();
    await knocker.join(name, 'Kim');
    await host.client.waitForEvent('lobby-updated', (e) => e.entries.length === 1);
    await host.client.close();
    expect(await knocker.waitForEvent('join-denied')).toEqual({ type: 'join-denied', reason: 'ended' });
    // Emptied, not ended: the lobby stays on for whoever comes next, who waits for a moderator.
    expect(m.snapshot(name)).toMatchObject({ participants: [], lobby: [], settings: { lobbyEnabled: true } });
    const next = await m.connect();
    expect(await next.join(name, 'Kai')).toMatchObject({ result: { status: 'waiting-for-host' } });
  });
});

describe('roles', () => {
  it('lets a moderator promote and demote, but never the last moderator', async () => {
    const name = m.room();
    const host = await m.host(name);
    const guest = await m.participant(name, 'Gina');
    expect(
      await host.client.send({ type: 'set-role', participantId: guest.id, role: 'moderator' }),
    ).toMatchObject({ ok: true });
    const promoted = await guest.client.waitForEvent(
      'participant-updated',
      (e) => e.participant.id === guest.id && e.participant.role === 'moderator',
    );
    expect(promoted.participant.role).toBe('moderator');
    // The new moderator can now moderate.
    expect(await guest.client.send({ type: 'set-lobby', enabled: true })).toMatchObject({ ok: true });
    // Demoting oneself is fine while another moderator remains.
    expect(
      await host.client.send({ type: 'set-role', participantId: host.id, role: 'participant' }),
    ).toMatchObject({ ok: true });
    await host.client.waitForEvent(
      'participant-updated',
      (e) => e.participant.id === host.id && e.participant.role === 'participant',
    );
    const last = await guest.client.send({ type: 'set-role', participantId: guest.id, role: 'participant' });
    expect(last).toMatchObject({ error: { code: 'last-moderator' } });
    expect(last.ok === false && last.error.message).toMatch(/at least one moderator/);
    // The former host is an ordinary participant now.
    expect(await host.client.send({ type: 'set-lobby', enabled: false })).toMatchObject({
      error: { code: 'forbidden' },
    });
    expect(m.snapshot(name)?.participants.map((p) => [p.displayName, p.role])).toEqual([
      ['Hana', 'participant'],
      ['Gina', 'moderator'],
    ]);
  });
});
