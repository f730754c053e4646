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
 * The SFU's speaker ranking learns from the control plane what audio levels cannot say (issue 13):
 * a muted microphone never ranks, a moderator keeps a slot.
 */
describe('speaker state sent to the media plane', () => {
  it('follows the microphone’s mute state and the participant’s role', async () => {
    const name = m.room();
    const host = await m.host(name);
    const guest = await m.participant(name, 'Gina');
    const publish = await guest.client.send({
      type: 'publish',
      sdp: 'v=0 offer',
      tracks: [{ mid: '0', source: 'mic' }],
    });
    expect(publish.ok).toBe(true);
    expect(m.mediaCalls.at(-1)).toBe(`speaker ${guest.id} open participant`);

    expect((await guest.client.send({ type: 'set-muted', source: 'mic', muted: true })).ok).toBe(true);
    expect(m.mediaCalls.at(-1)).toBe(`speaker ${guest.id} muted participant`);

    expect(
      (await host.client.send({ type: 'set-role', participantId: guest.id, role: 'moderator' })).ok,
    ).toBe(true);
    expect(m.mediaCalls).toContain(`speaker ${guest.id} muted moderator`);

    expect((await guest.client.send({ type: 'set-muted', source: 'mic', muted: false })).ok).toBe(true);
    expect(m.mediaCalls.at(-1)).toBe(`speaker ${guest.id} open moderator`);
  });
});
