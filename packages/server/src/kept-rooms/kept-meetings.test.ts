import type { ServerEvent } from '@parley/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fakeMedia } from '../../test/signaling/fake-media.js';
import { MeetingError, Meetings } from '../meeting/meetings.js';
import type { ParticipantChannel } from '../meeting/participant.js';
import { passwordVerifier } from '../meeting/room-password.js';
import type { KeptRoomPolicy } from './kept-room-store.js';

function channel() {
  const events: ServerEvent[] = [];
  const ch: ParticipantChannel = { send: (e) => events.push(e), close: () => {} };
  return { ch, events };
}

const logger = pino({ level: 'silent' });
const guest = (displayName: string) => ({ displayName, accountId: null, clientKey: null, addressKey: null });
const account = (displayName: string, accountId: string) => ({
  displayName,
  accountId,
  clientKey: null,
  addressKey: null,
});

/** Meetings with one kept room `kept` (owner `owner`, moderator `mod`) and a record of openings. */
async function keptMeetings(
  settings: Partial<Pick<KeptRoomPolicy, 'lobby' | 'e2ee'>> & { password?: string },
) {
  const policy: KeptRoomPolicy = {
    id: 'room-1',
    moderatorIds: new Set(['owner', 'mod']),
    password: settings.password ? await passwordVerifier(settings.password) : null,
    lobby: settings.lobby ?? false,
    e2ee: settings.e2ee ?? false,
  };
  const opened: string[] = [];
  const { media } = fakeMedia();
  const meetings = new Meetings(media, logger, () => [], {
    keptRooms: {
      policyFor: async (name) => (name === 'kept' ? policy : null),
      markOpened: async (id) => {
        opened.push(id);
      },
    },
  });
  return { meetings, opened };
}

describe('Meetings in a kept room', () => {
  it('applies the default password and the lobby when its owner opens it, and records the opening', async () => {
    const { meetings, opened } = await keptMeetings({ password: 'secret-pw', lobby: true });
    const owner = await meetings.join('kept', account('Olga', 'owner'), channel().ch);
    expect(owner.outcome).toBe('joined');
    expect(owner.membership.participant.role).toBe('moderator');
    const room = owner.membership.room;
    expect(room.settings).toMatchObject({ passwordSet: true, lobbyEnabled: true });
    expect(opened).toEqual(['room-1']);

    // A guest without the password is refused; with it they knock at the lobby.
    await expect(meetings.join('kept', guest('Gina'), channel().ch)).rejects.toMatchObject({
      code: 'password-required',
    });
    await expect(
      meetings.join('kept', guest('Gina'), channel().ch, { password: 'wrong-pw' }),
    ).rejects.toBeInstanceOf(MeetingError);
    const knocking = await meetings.join('kept', guest('Gina'), channel().ch, { password: 'secret-pw' });
    expect(knocking.outcome).toBe('lobby');
    meetings.closeAll();
  });

  it('lets only its owner and listed moderators open it: another account waits like a guest', async () => {
    const { meetings, opened } = await keptMeetings({});
    const other = await meetings.join('kept', account('Otto', 'someone-else'), channel().ch);
    expect(other.outcome).toBe('waiting-for-host');
    expect(opened).toEqual([]);

    const mod = await meetings.join('kept', account('Mona', 'mod'), channel().ch);
    expect(mod.outcome).toBe('joined');
    expect(mod.membership.participant.role).toBe('moderator');
    // The account that waited came in with the opening, as an ordinary participant.
    expect(other.membership.room.participants.has(other.membership.participant.id)).toBe(true);
    expect(other.membership.participant.role).toBe('participant');

    const later = await meetings.join('kept', account('Lea', 'third'), channel().ch);
    expect(later.outcome).toBe('joined');
    expect(later.membership.participant.role).toBe('participant');
    expect(opened).toEqual(['room-1']);
    meetings.closeAll();
  });

  it('starts end-to-end encryption with the meeting, as if the opener had switched it on', async () => {
    const { meetings } = await keptMeetings({ e2ee: true });
    const o = channel();
    const owner = await meetings.join('kept', account('Olga', 'owner'), o.ch, { e2ee: true });
    expect(meetings.e2ee.stateOf(owner.membership.room)).toBe('pending');
    expect(o.events).toContainEqual({
      type: 'e2ee-state',
      state: 'pending',
      by: owner.membership.participant.id,
    });
    // A guest whose browser cannot encrypt is refused at once.
    await expect(meetings.join('kept', guest('Gina'), channel().ch, { e2ee: false })).rejects.toMatchObject({
      code: 'e2ee-unsupported',
    });
    meetings.closeAll();
  });

  it('cannot be opened from a browser without end-to-end encryption', async () => {
    const { meetings, opened } = await keptMeetings({ e2ee: true });
    await expect(meetings.join('kept', account('Olga', 'owner'), channel().ch)).rejects.toMatchObject({
      code: 'e2ee-unsupported',
    });
    expect(meetings.registry.find('kept')?.isOpen ?? false).toBe(false);
    expect(opened).toEqual([]);
    meetings.closeAll();
  });

  it('leaves every other room as it was: any account opens it and moderates', async () => {
    const { meetings } = await keptMeetings({ lobby: true, e2ee: true });
    const any = await meetings.join('not-kept', account('Otto', 'someone-else'), channel().ch);
    expect(any.outcome).toBe('joined');
    expect(any.membership.participant.role).toBe('moderator');
    expect(any.membership.room.settings.lobbyEnabled).toBe(false);
    expect(meetings.e2ee.stateOf(any.membership.room)).toBe('off');
    meetings.closeAll();
  });
});
