import type { Participant } from './participant.js';
import type { Room } from './room.js';

/** A participant's place: the room they are in (or knocking at, or waiting for) and themselves. */
export interface Membership {
  room: Room;
  participant: Participant;
}

/**
 * What every feature (features/<name>/) may ask of the meetings: who sent a request, and in which
 * room they are. Each feature gets this narrow object instead of the whole `Meetings`, and declares
 * any further need (ending the meeting, asking for key frames…) as an interface of its own that
 * meetings.ts fills in — so no feature imports the coordinator and no import cycle forms.
 */
export interface MeetingAccess {
  /** The membership of someone admitted to the meeting proper; anyone else is refused (`not-joined`). */
  inMeeting(participantId: string): Membership;
  /** The membership of a moderator; anyone else is refused (`forbidden`). */
  moderator(participantId: string): Membership;
}
