import type { ServerEvent } from '@parley/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fakeMedia } from '../../test/signaling/fake-media.js';
import { Meetings } from './meetings.js';
import type { ParticipantChannel } from './participant.js';
import { RESUME_TOKEN_MS } from './resume-tokens.js';

function channel() {
  const events: ServerEvent[] = [];
  const closed: string[] = [];
  const ch: ParticipantChannel = { send: (e) => events.push(e), close: (_c, r) => closed.push(r) };
  return { ch, events, closed, types: () => events.map((e) => e.type) };
}

const logger = pino({ level: 'silent' });
const guest = (displayName: string) => ({ displayName, accountId: null, clientKey: null, addressKey: null });
const host = (displayName: string) => ({
  displayName,
  accountId: 'account-1',
  clientKey: null,
  addressKey: null,
});

describe('Meetings', () => {
  it('keeps a guest waiting until a signed-in host opens the meeting', async () => {
    const { media, calls } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const g = channel();
    const first = await meetings.join('team-room', guest('Gina'), g.ch);
    expect(first.outcome).toBe('waiting-for-host');
    expect(g.events).toEqual([]);
    expect(calls).toEqual([]);

    const h = channel();
    const second = await meetings.join('team-room', host('Hana'), h.ch);
    expect(second.outcome).toBe('joined');
    expect(second.membership.participant.role).toBe('moderator');
    expect(first.membership.participant.role).toBe('participant');
    // both get `joined`, each listing the other
    const hostJoined = h.events.find((e) => e.type === 'joined');
    const guestJoined = g.events.find((e) => e.type === 'joined');
    expect(hostJoined?.type === 'joined' && hostJoined.participants.map((p) => p.displayName)).toEqual([
      'Gina',
    ]);
    expect(guestJoined?.type === 'joined' && guestJoined.participants.map((p) => p.displayName)).toEqual([
      'Hana',
    ]);
    expect(h.types()).toEqual(['joined']); // Gina came with the host's own arrival, not as news
    expect(calls.filter((c) => c.startsWith('open'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('add'))).toHaveLength(2);
  });

  it('announces departures, and forgets an emptied meeting once its resume tokens expire', async () => {
    const { media, calls } = fakeMedia();
    let now = 1_000_000;
    const meetings = new Meetings(media, logger, () => [], { now: () => now });
    const h = channel();
    const g = channel();
    const a = await meetings.join('r1', host('Hana'), h.ch);
    const b = await meetings.join('r1', guest('Gina'), g.ch);
    expect(meetings.counts()).toEqual({ rooms: 1, participants: 2 });
    meetings.leave(b.membership.participant.id);
    expect(h.events.at(-1)).toEqual({ type: 'participant-left', participantId: b.membership.participant.id });
    meetings.leave(a.membership.participant.id);
    // Its media stop at once; its settings wait for a moderator's resume token.
    expect(calls.at(-1)).toMatch(/^close /);
    expect(meetings.counts()).toEqual({ rooms: 1, participants: 0 });
    now += RESUME_TOKEN_MS + 1;
    const later = await meetings.join('other-room', guest('Gina'), channel().ch);
    meetings.leave(later.membership.participant.id);
    await meetings.join('r1', guest('Gina'), channel().ch);
    expect(meetings.registry.find('r1')?.isOpen).toBe(false);
    meetings.closeAll();
  });

  it('forgets a room whose only waiting guest gives up, without touching the media plane', async () => {
    const { media, calls } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const g = channel();
    const { membership } = await meetings.join('lonely', guest('Gina'), g.ch);
    meetings.leave(membership.participant.id);
    expect(meetings.counts()).toEqual({ rooms: 0, participants: 0 });
    expect(calls).toEqual([]);
  });

  it('refuses media requests from a participant still waiting for the host', async () => {
    const { media } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const { membership } = await meetings.join('r2', guest('Gina'), channel().ch);
    await expect(meetings.publish(membership.participant.id, 'v=0', [])).rejects.toMatchObject({
      code: 'not-joined',
    });
  });

  it('tracks published sources and mute state, telling everyone', async () => {
    const { media } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const h = channel();
    const g = channel();
    const a = await meetings.join('r3', host('Hana'), h.ch);
    await meetings.join('r3', guest('Gina'), g.ch);
    const id = a.membership.participant.id;
    await meetings.publish(id, 'v=0', [
      { mid: '0', source: 'mic' },
      { mid: '1', source: 'camera' },
    ]);
    meetings.setMuted(id, 'mic', true);
    const update = g.events.filter((e) => e.type === 'participant-updated').at(-1);
    expect(update?.type === 'participant-updated' && update.participant.tracks).toEqual([
      { source: 'mic', kind: 'audio', muted: true },
      { source: 'camera', kind: 'video', muted: false },
    ]);
    await expect(
      meetings.publish(id, 'v=0', [
        { mid: '0', source: 'mic' },
        { mid: '1', source: 'mic' },
      ]),
    ).rejects.toMatchObject({ code: 'negotiation-failed' });
    expect(() => meetings.setMuted(id, 'screen', true)).toThrow();
  });

  it('takes the mute state a publish offer declares, so a muted start is never shown open', async () => {
    const { media } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const h = channel();
    const g = channel();
    const a = await meetings.join('r5', host('Hana'), h.ch);
    await meetings.join('r5', guest('Gina'), g.ch);
    await meetings.publish(a.membership.participant.id, 'v=0', [
      { mid: '0', source: 'mic', muted: true },
      { mid: '1', source: 'camera' },
    ]);
    const updates = g.events.filter((e) => e.type === 'participant-updated');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.type === 'participant-updated' && updates[0].participant.tracks).toEqual([
      { source: 'mic', kind: 'audio', muted: true },
      { source: 'camera', kind: 'video', muted: false },
    ]);
  });

  it('relays subscriber offers to the right participant and drops one whose media connection fails', async () => {
    const { media, emit } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const h = channel();
    const g = channel();
    const a = await meetings.join('r4', host('Hana'), h.ch);
    const b = await meetings.join('r4', guest('Gina'), g.ch);
    const roomId = a.membership.room.id;
    emit('subscriber-offer', {
      roomId,
      participantId: b.membership.participant.id,
      sdp: 'v=0 offer',
      tracks: [],
    });
    expect(g.events.at(-1)).toEqual({ type: 'subscriber-offer', sdp: 'v=0 offer', tracks: [] });
    expect(h.events.some((e) => e.type === 'subscriber-offer')).toBe(false);
    emit('connection-closed', { roomId, participantId: b.membership.participant.id, direction: 'publish' });
    expect(g.closed).toEqual(['media connection lost']);
    expect(meetings.counts().participants).toBe(1);
  });
  it('opens meetings whose media was lost again and has their participants reconnect their media', async () => {
    const { media, calls, emit } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const h = channel();
    const g = channel();
    const other = channel();
    const a = await meetings.join('r-lost', host('Hana'), h.ch);
    const b = await meetings.join('r-lost', guest('Gina'), g.ch);
    await meetings.join('r-kept', host('Otto'), other.ch);
    const roomId = a.membership.room.id;
    calls.length = 0;

    emit('rooms-lost', { roomIds: [roomId, 'a-room-long-gone'] });
    expect(calls).toEqual([
      `open ${roomId}`,
      `add ${a.membership.participant.id}`,
      `add ${b.membership.participant.id}`,
    ]);
    expect(h.events.at(-1)).toEqual({ type: 'media-restart' });
    expect(g.events.at(-1)).toEqual({ type: 'media-restart' });
    expect(other.types()).not.toContain('media-restart');
    expect(meetings.counts()).toEqual({ rooms: 2, participants: 3 });
  });

  it('on shutdown tells everyone, knocking guests included, and frees every room', async () => {
    const { media, calls } = fakeMedia();
    const meetings = new Meetings(media, logger, () => []);
    const h = channel();
    const g = channel();
    const k = channel();
    const a = await meetings.join('r6', host('Hana'), h.ch);
    await meetings.join('r6', guest('Gina'), g.ch);
    meetings.moderation.setLobby(a.membership.participant.id, true);
    expect((await meetings.join('r6', guest('Kim'), k.ch)).outcome).toBe('lobby');
    meetings.closeAll();
    for (const c of [h, g, k]) {
      expect(c.events.at(-1)).toEqual({ type: 'room-closed', reason: 'server-shutdown' });
      expect(c.closed).toEqual(['server shutting down']);
    }
    expect(meetings.counts()).toEqual({ rooms: 0, participants: 0 });
    expect(calls.at(-1)).toBe(`close ${a.membership.room.id}`);
  });

  it('watches the address key: a rotation forgets throttling and removed addresses', async () => {
    const { media } = fakeMedia();
    let rotate = () => {};
    const meetings = new Meetings(media, logger, () => [], {
      addressKeys: {
        onRotate: (listener) => {
          rotate = listener;
          return () => {};
        },
      },
    });
    const a = await meetings.join('r7', host('Hana'), channel().ch);
    const marked = { ...guest('Tom'), addressKey: 'addr-1' };
    const t = await meetings.join('r7', marked, channel().ch);
    meetings.moderation.kick(a.membership.participant.id, t.membership.participant.id);
    expect((await meetings.join('r7', marked, channel().ch)).outcome).toBe('lobby');
    rotate();
    expect((await meetings.join('r7', marked, channel().ch)).outcome).toBe('joined');
  });
});
