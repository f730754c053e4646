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
 * Dynacast: the SFU asks a camera publisher to pause the simulcast layers nobody takes. The server
 * passes `simulcast-layers` to that publisher alone.
 */
describe('the simulcast layers a publisher is asked to send', () => {
  it('are told to that publisher only', async () => {
    const name = m.room();
    const host = await m.host(name, 'Hana');
    const guest = await m.participant(name, 'Gus');
    const roomId = m.server.meetings.registry.find(name)!.id;
    const layers = { roomId, participantId: host.id, source: 'camera' } as const;

    m.emitMedia('simulcast-layers', { ...layers, active: [true, false, true] });
    m.emitMedia('simulcast-layers', { ...layers, active: [true, true, true] });
    await m.settle(host.client, guest.client);

    expect(m.eventsOf(host.client, 'simulcast-layers')).toEqual([
      { type: 'simulcast-layers', source: 'camera', active: [true, false, true] },
      { type: 'simulcast-layers', source: 'camera', active: [true, true, true] },
    ]);
    expect(m.eventsOf(guest.client, 'simulcast-layers')).toEqual([]);
  });

  it('are dropped when the event names a room the publisher is not in (a stale media event)', async () => {
    const name = m.room();
    const host = await m.host(name, 'Hana');
    m.emitMedia('simulcast-layers', {
      roomId: 'another-room',
      participantId: host.id,
      source: 'camera',
      active: [false, false, false],
    });
    await m.settle(host.client);
    expect(m.eventsOf(host.client, 'simulcast-layers')).toEqual([]);
  });
});
