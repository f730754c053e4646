import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

// Issue #13: what a hostile participant or guest tries against meetings, through real sockets.
let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});
afterEach(() => m.releaseClock());

describe('room-password guessing in parallel', () => {
  it('checks one guess at a time per address (IPv6 by /64), each counted before the check', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-password', password: 'right one' });
    m.freezeClock();
    // 12 sockets from one /64, each with a different interface id, all guessing at once.
    const guessers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => m.connect({ address: `2001:db8:77:1::${(i + 1).toString(16)}` })),
    );
    const replies = await Promise.all(
      guessers.map((g, i) => g.join(name, 'Guesser', { password: `guess ${i}` })),
    );
    const checked = replies.filter((r) => r.ok === false && r.error.code === 'wrong-password');
    const refused = replies.filter((r) => r.ok === false && r.error.code === 'rate-limited');
    console.log(
      `parallel password guesses from one /64: ${checked.length} of 12 checked, ${refused.length} refused`,
    );
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(checked.length + refused.length).toBe(12);
    // Sequential guesses would get 5 free attempts; in parallel no more get checked than that either.
    expect(checked.length).toBeLessThanOrEqual(5);
    // Another meeting on the same server takes its own password at once.
    const other = m.room();
    const otherHost = await m.host(other);
    await otherHost.client.send({ type: 'set-password', password: 'other' });
    const guest = await m.connect({ address: '2001:db8:78:1::1' });
    expect(await guest.join(other, 'Guest', { password: 'other' })).toMatchObject({ ok: true });
  });

  it('still counts every sequential guess from a /64 together', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-password', password: 'right one' });
    m.freezeClock();
    for (let i = 1; i <= 5; i++) {
      const guesser = await m.connect({ address: `2001:db8:99:2:${i}::1` });
      await guesser.join(name, 'Guesser', { password: `guess ${i}` });
    }
    const rotated = await m.connect({ address: '2001:db8:99:2:ffff:1:2:3' });
    expect(await rotated.join(name, 'Guesser', { password: 'right one' })).toMatchObject({
      ok: false,
      error: { code: 'rate-limited' },
    });
  });
});

let keys = 0;
const clientKey = () => `hostile-browser-key-${++keys}`.padEnd(24, '0');

describe('a hard mute that holds', () => {
  it('refuses screen audio without a screen share', async () => {
    const name = m.room();
    await m.host(name);
    const guest = await m.participant(name, 'Mallory');
    const reply = await guest.client.send({
      type: 'publish',
      sdp: 'v=0 offer',
      tracks: [{ mid: '0', source: 'screen-audio' }],
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'negotiation-failed' } });
    expect(reply.ok === false && reply.error.message).toMatch(/screen share/);
  });

  it('comes back hard-muted after a resume and after a fresh join without a token', async () => {
    const name = m.room();
    const host = await m.host(name);
    const key = clientKey();
    const mallory = await m.participant(name, 'Mallory', { clientKey: key });
    const token = (await mallory.client.waitForEvent('joined')).resumeToken;
    await host.client.send({ type: 'mute', participantId: mallory.id, hard: true });
    await mallory.client.waitForEvent('muted-by-moderator');
    await mallory.client.close();
    await host.client.waitForEvent('participant-left', (e) => e.participantId === mallory.id);

    const resumed = await m.connect();
    expect(await resumed.join(name, 'Mallory', { clientKey: key, resume: token })).toMatchObject({
      result: { status: 'joined' },
    });
    const back = await resumed.waitForEvent('joined');
    expect(back.self.hardMuted).toBe(true);
    expect(m.mediaCalls).toContain(`audio ${back.self.id} off`);
    await resumed.waitForEvent('muted-by-moderator', (e) => e.hard);
    // Publishing an open microphone does not unmute her.
    await resumed.send({
      type: 'publish',
      sdp: 'v=0 offer',
      tracks: [{ mid: '0', source: 'mic', muted: false }],
    });
    expect(await resumed.send({ type: 'set-muted', source: 'mic', muted: false })).toMatchObject({
      ok: false,
      error: { code: 'unmute-not-allowed' },
    });
    await resumed.close();
    await host.client.waitForEvent('participant-left', (e) => e.participantId === back.self.id);

    // A fresh join with the same browser key (no token) is hard-muted too.
    const fresh = await m.connect();
    await fresh.join(name, 'Mallory again', { clientKey: key });
    const again = await fresh.waitForEvent('joined');
    expect(again.self.hardMuted).toBe(true);
    expect(m.mediaCalls).toContain(`audio ${again.self.id} off`);

    // Allowing the unmute lifts it for good.
    await host.client.send({ type: 'allow-unmute', participantId: again.self.id });
    await fresh.waitForEvent('unmute-allowed');
    await fresh.close();
    const later = await m.connect();
    await later.join(name, 'Mallory', { clientKey: key });
    expect((await later.waitForEvent('joined')).self.hardMuted).toBe(false);
  });
});

describe('kick, demotion and protections through resume', () => {
  it('keeps a kicked guest without a client key out, from any address and after the address key rotates', async () => {
    const name = m.room();
    const host = await m.host(name);
    const mallory = await m.participant(name, 'Mallory');
    const token = (await mallory.client.waitForEvent('joined')).resumeToken;
    await host.client.send({ type: 'set-locked', locked: true });
    await host.client.send({ type: 'kick', participantId: mallory.id });
    await mallory.client.waitForClose();

    const elsewhere = await m.connect({ address: '198.51.100.200' });
    expect(await elsewhere.join(name, 'Mallory', { resume: token })).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
    m.server.ipHasher.rotate();
    const rotated = await m.connect({ address: '2001:db8:dead::1' });
    expect(await rotated.join(name, 'Mallory', { resume: token })).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
    // Unlocked with the lobby on: the token gets her no further than the lobby.
    await host.client.send({ type: 'set-locked', locked: false });
    await host.client.send({ type: 'set-lobby', enabled: true });
    const knocking = await m.connect({ address: '198.51.100.201' });
    expect(await knocking.join(name, 'Mallory', { resume: token })).toMatchObject({
      result: { status: 'lobby' },
    });
  });

  it('does not give a demoted moderator the role back through an older token', async () => {
    const name = m.room();
    const host = await m.host(name);
    const key = clientKey();
    const deputy = await m.participant(name, 'Dana', { clientKey: key });
    await host.client.send({ type: 'set-role', participantId: deputy.id, role: 'moderator' });
    const moderatorToken = (await deputy.client.waitForEvent('resume-token')).token;
    await host.client.send({ type: 'set-role', participantId: deputy.id, role: 'participant' });
    await deputy.client.waitForEvent('resume-token', (e) => e.token !== moderatorToken);
    await deputy.client.close();
    await host.client.waitForEvent('participant-left', (e) => e.participantId === deputy.id);

    const back = await m.connect();
    expect(await back.join(name, 'Dana', { clientKey: key, resume: moderatorToken })).toMatchObject({
      result: { status: 'joined' },
    });
    expect((await back.waitForEvent('joined')).self.role).toBe('participant');
    expect(await back.send({ type: 'set-lobby', enabled: true })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('keeps an emptied meeting’s password, lock and removals: an old participant token reopens nothing', async () => {
    const name = m.room();
    const host = await m.host(name);
    const key = clientKey();
    const guest = await m.participant(name, 'Gina', { clientKey: key });
    const guestToken = (await guest.client.waitForEvent('joined')).resumeToken;
    const kicked = await m.participant(name, 'Kim');
    const kickedToken = (await kicked.client.waitForEvent('joined')).resumeToken;
    await host.client.send({ type: 'kick', participantId: kicked.id });
    await host.client.send({ type: 'set-password', password: 'kept secret' });
    await host.client.send({ type: 'set-locked', locked: true });
    await Promise.all([host.client.close(), guest.client.close()]);
    await waitUntil(() => m.server.meetings.registry.find(name)?.participants.size === 0);

    // Any old token but a moderator's: no reopening, no way past lock and removal.
    const kimBack = await m.connect();
    expect(await kimBack.join(name, 'Kim', { resume: kickedToken })).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
    const ginaBack = await m.connect();
    expect(await ginaBack.join(name, 'Gina', { clientKey: key, resume: guestToken })).toMatchObject({
      result: { status: 'waiting-for-host' },
    });
    expect(m.server.meetings.registry.find(name)?.settings).toMatchObject({
      passwordSet: true,
      locked: true,
    });
    // Once every token has expired, the room name is free again.
    m.advanceClock(11 * 60_000);
    await ginaBack.close();
    await waitUntil(() => m.server.meetings.registry.find(name) === undefined);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a resume replacing the only participant', () => {
  it('does not empty the meeting: a participant’s resume takes over and the lobby keeps its guests', async () => {
    const name = m.room();
    const host = await m.host(name);
    const key = clientKey();
    const guest = await m.participant(name, 'Gina', { clientKey: key });
    const token = (await guest.client.waitForEvent('joined')).resumeToken;
    await host.client.send({ type: 'set-lobby', enabled: true });
    await host.client.close();
    await guest.client.waitForEvent('participant-left');
    const knocker = await m.connect();
    expect(await knocker.join(name, 'Kim')).toMatchObject({ result: { status: 'lobby' } });

    // Gina's old connection is still open on the server when she resumes.
    const back = await m.connect();
    expect(await back.join(name, 'Gina', { clientKey: key, resume: token })).toMatchObject({
      result: { status: 'joined' },
    });
    await guest.client.waitForClose();
    expect(m.snapshot(name)?.participants.map((p) => p.displayName)).toEqual(['Gina']);
    expect(m.snapshot(name)?.lobby.map((e) => e.displayName)).toEqual(['Kim']);
    expect(knocker.closeCode).toBeNull();
  });
});
