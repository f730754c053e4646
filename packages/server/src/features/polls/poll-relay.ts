import { MODERATOR_POLL_KINDS, type PollMessage } from '@parley/protocol';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Room } from '../../meeting/room.js';

/** What the poll relay needs of the meetings besides the common access. */
export interface PollAccess extends MeetingAccess {
  isEncrypted(room: Room): boolean;
}

/**
 * Polls without end-to-end encryption: the server relays each poll message with the sender's
 * authenticated id and keeps nothing — no poll, no vote, no count, no log line with their text
 * (docs/protocol.md, _Polls_). Clients tally. Opening, tallying and closing are for moderators; a
 * vote goes to everyone, or (anonymous polls) to the poll's creator only. While the meeting is
 * encrypted the clients send polls as MLS application messages instead, and this relay refuses
 * clear ones, so that no poll text reaches the server by mistake.
 */
export class PollRelay {
  constructor(private readonly access: PollAccess) {}

  send(actorId: string, message: PollMessage, to: string | undefined): void {
    const { room, participant } = this.access.inMeeting(actorId);
    if (MODERATOR_POLL_KINDS.includes(message.kind) && !participant.isModerator)
      throw new MeetingError('forbidden', 'Only moderators can run polls.');
    if (this.access.isEncrypted(room))
      throw new MeetingError('bad-request', 'The meeting is end-to-end encrypted: send polls encrypted.');
    const wait = participant.chatRate.take();
    if (wait > 0)
      throw new MeetingError(
        'rate-limited',
        `You are sending too quickly. Please wait ${wait} seconds.`,
        wait,
      );
    const event = { type: 'poll-message', from: actorId, message } as const;
    if (to === undefined) {
      for (const other of room.participants.values()) if (other.id !== actorId) other.channel.send(event);
      return;
    }
    if (message.kind !== 'poll-vote')
      throw new MeetingError('bad-request', 'Only a vote goes to one participant.');
    const recipient = room.participants.get(to);
    if (!recipient) throw new MeetingError('not-found', 'That participant has left the meeting.');
    if (recipient.id === actorId) throw new MeetingError('bad-request', 'A vote goes to someone else.');
    recipient.channel.send(event);
  }
}
