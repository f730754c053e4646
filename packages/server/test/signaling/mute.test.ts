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

async function publishMicAndCamera(client: SignalingClient) {
  const reply = await client.send({
    type: 'publish',
    sdp: 'v=0 offer',
    tracks: [
      { mid: '0', source: 'mic' },
      { mid: '1', source: 'camera' },
    ],
  });
  expect(reply.ok).toBe(true);
}

const micOf = (info: { tracks: { source: string; muted: boolean }[] } | undefined) =>
  info?.tracks.find((t) => t.source === 'mic')?.muted;

describe('muting by a moderator', () => {
  it('soft: stops forwarding the microphone and tells them; they may unmute themselves', async () => {
    const name = m.room();
    const host = await m.host(name);
    const guest = await m.participant(name, 'Gina');
    await publishMicAndCamera(guest.client);

    expect(await host.client.send({ type: 'mute', participantId: guest.id, hard: false })).toMatchObject({
      ok: true,
    });
    expect(await guest.client.waitForEvent('muted-by-moderator')).toEqual({
      type: 'muted-by-moderator',
      hard: false,
    });
    expect(m.mediaCalls).toContain(`audio ${guest.id} off`);
    const update = await host.client.waitForEvent(
      'participant-updated',
      (e) => e.participant.id === guest.id && micOf(e.participant) === true,
    );
    expect(update.participant).toMatchObject({ hardMuted: false, unmuteRequested: false });
    expect(m.snapshot(name)?.participants.find((p) => p.id === guest.id)?.tracks).toEqual([
      { source: 'mic', kind: 'audio', muted: true },
      { source: 'camera', kind: 'video', muted: false },
    ]);

    expect(await guest.client.send({ type: 'set-muted', source: 'mic', muted: false })).toMatchObject({
      ok: true,
    });
    expect(m.mediaCalls).toContain(`audio ${guest.id} on`);
    await host.client.waitForEvent(
      'participant-updated',
      (e) => e.participant.id === guest.id && micOf(e.participant) === false,
    );
  });

  it('hard: unmuting is refused until a moderator grants the participant’s request', async () => {
    const name = m.room();
    const host = await m.host(name);
    const guest = await m.participant(name, 'Gina');
    await publishMicAndCamera(guest.client);

    expect(await guest.client.send({ type: 'request-unmute' })).toMatchObject({
      error: { code: 'bad-request' },
    });
    await host.client.send({ type: 'mute', participantId: guest.id, hard: true });
    expect(await guest.client.waitForEvent('muted-by-moderator')).toMatchObject({ hard: true });
    await host.client.waitForEvent(
      'participant-updated',
      (e) => e.participant.id === guest.id && e.participant.hardMuted,
    );

    const refused = await guest.client.send({ type: 'set-muted', source: 'mic', muted: false });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unmute-not-allowed' } });
    expect(refused.ok === false && refused.error.message).toMatch(/Ask to unmute/);
    expect(m.mediaCalls).not.toContain(`audio ${guest.id} on`);
    // A renegotiation that offers an open microphone does not get around it.
    await guest.client.send({
      type: 'publish',
      sdp: 'v=0 offer',
      tracks: [
        { mid: '0', source: 'mic', muted: false },
        { mid: '1', source: 'camera' },
      ],
    });
    expect(micOf(m.snapshot(name)?.participants.find((p) => p.id === guest.id))).toBe(true);
    expect(m.mediaCalls.filter((c) => c === `audio ${guest.id} off`).length).toBeGreaterThanOrEqual(2);
    expect(m.mediaCalls).not.toContain(`audio ${guest.id} on`);

    expect(await guest.client.send({ type: 'request-unmute' })).toMatchObject({ ok: true });
    const raised = await host.client.waitForEvent(
      'participant-updated',
      (e) => e.participant.id === guest.id && e.participant.unmuteRequested,
    );
    expect(raised.participant.hardMuted).toBe(true);

    expect(await host.client.send({ type: 'allow-unmute', participantId: guest.id })).toMatchObject({
      ok: true,
    });
    expect(await guest.client.waitForEvent('unmute-allowed')).toEqual({ type: 'unmute-allowed' });
    await host.client.waitForEvent(
      'participant-updated',
      (e) => e.participant.id === guest.id && !e.participant.hardMuted && !e.participant.unmuteRequested,
    );
    // The server unmutes nobody: forwarding resumes when they unmute themselves.
    expect(m.mediaCalls).not.toContain(`audio ${guest.id} on`);
    expect(await guest.client.send({ type: 'set-muted', source: 'mic', muted: false })).toMatchObject({
      ok: true,
    });
    expect(m.mediaCalls).toContain(`audio ${guest.id} on`);
  });

  it('a soft mute after a hard one keeps it hard; muting someone absent is not-found', async () => {
    const name = m.room();
    const host = await m.host(name);
    const guest = await m.participant(name, 'Gina');
    await host.client.send({ type: 'mute', participantId: guest.id, hard: true });
    await host.client.send({ type: 'mute', participantId: guest.id, hard: false });
    await m.settle(guest.client);
    expect(m.eventsOf(guest.client, 'muted-by-moderator').map((e) => e.hard)).toEqual([true, true]);
    expect(await host.client.send({ type: 'mute', participantId: 'nobody', hard: false })).toMatchObject({
      error: { code: 'not-found' },
    });
  });

  it('mute-all silences everyone but the moderators', async () => {
    const name = m.room();
    const host = await m.host(name);
    const coHost = await m.host(name, 'Co');
    const a = await m.participant(name, 'Ann');
    const b = await m.participant(name, 'Ben');
    await publishMicAndCamera(a.client);
    await publishMicAndCamera(coHost.client);

    expect(await host.client.send({ type: 'mute-all', hard: false })).toMatchObject({ ok: true });
    for (const guest of [a, b]) {
      expect(await guest.client.waitForEvent('muted-by-moderator')).toMatchObject({ hard: false });
      expect(m.mediaCalls).toContain(`audio ${guest.id} off`);
    }
    await m.settle(host.client, coHost.client);
    for (const mod of [host, coHost]) {
      expect(m.eventsOf(mod.client, 'muted-by-moderator')).toEqual([]);
      expect(m.mediaCalls).not.toContain(`audio ${mod.id} off`);
    }
    expect(micOf(m.snapshot(name)?.participants.find((p) => p.id === a.id))).toBe(true);
    expect(micOf(m.snapshot(name)?.participants.find((p) => p.id === coHost.id))).toBe(false);

    await host.client.send({ type: 'mute-all', hard: true });
    await a.client.waitForEvent('muted-by-moderator', (e) => e.hard);
    expect(await a.client.send({ type: 'set-muted', source: 'mic', muted: false })).toMatchObject({
      error: { code: 'unmute-not-allowed' },
    });
  });
});
