import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});

/**
 * Issue 18: the SFU pauses a subscriber's video when its connection cannot carry even the lowest
 * layer. The server tells that subscriber alone (`video-bandwidth-pause`), and nobody else.
 */
describe('a video paused for a subscriber’s bandwidth', () => {
  it('is told to that subscriber only, when it pauses and when it resumes', async () => {
    const name = m.room();
    const host = await m.host(name, 'Hana');
    const slow = await m.participant(name, 'Sol');
    const fast = await m.participant(name, 'Fay');
    const roomId = m.server.meetings.registry.find(name)!.id;
    const pause = { roomId, subscriberId: slow.id, participantId: host.id, source: 'camera' } as const;

    m.emitMedia('video-bandwidth-pause', { ...pause, paused: true });
    m.emitMedia('video-bandwidth-pause', { ...pause, paused: false });
    await m.settle(host.client, slow.client, fast.client);

    expect(m.eventsOf(slow.client, 'video-bandwidth-pause')).toEqual([
      { type: 'video-bandwidth-pause', participantId: host.id, source: 'camera', paused: true },
      { type: 'video-bandwidth-pause', participantId: host.id, source: 'camera', paused: false },
    ]);
    expect(m.eventsOf(fast.client, 'video-bandwidth-pause')).toEqual([]);
    expect(m.eventsOf(host.client, 'video-bandwidth-pause')).toEqual([]);
  });

  it('is dropped when it names a room the subscriber is not in (a stale media event)', async () => {
    const name = m.room();
    await m.host(name, 'Hana');
    const guest = await m.participant(name, 'Gus');
    m.emitMedia('video-bandwidth-pause', {
      roomId: 'another-room',
      subscriberId: guest.id,
      participantId: 'someone',
      source: 'camera',
      paused: true,
    });
    m.emitMedia('video-bandwidth-pause', {
      roomId: 'another-room',
      subscriberId: 'nobody-here',
      participantId: guest.id,
      source: 'camera',
      paused: true,
    });
    await m.settle(guest.client);
    expect(m.eventsOf(guest.client, 'video-bandwidth-pause')).toEqual([]);
  });
});
