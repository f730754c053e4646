import type { ServerEvent } from '@parley/protocol';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Room } from '../../meeting/room.js';
import { randomId } from '../../meeting/room-registry.js';
import type { Group } from './group.js';
import { privateMessageHeader } from './mls-framing.js';

/**
 * Chat while the meeting is encrypted: MLS application messages, relayed to everyone or one person
 * with the sender's authenticated id. The server checks only the clear header (this group's
 * message) and the sender's rate; it keeps the ids (so that deleting works) and never the text.
 */
export class EncryptedChat {
  constructor(
    private readonly access: MeetingAccess,
    /** The room's group; throws when the meeting is not encrypted. */
    private readonly groupOf: (room: Room) => Group,
    private readonly now: () => number,
  ) {}

  send(actorId: string, ciphertext: string, to: string | undefined): { messageId: string } {
    const { room, participant } = this.access.inMeeting(actorId);
    const group = this.groupOf(room);
    const header = privateMessageHeader(ciphertext);
    if (header?.contentType !== 'application' || header.groupId !== group.groupId)
      throw new MeetingError('bad-request', 'Not a message of the encrypted group.');
    const wait = participant.chatRate.take();
    if (wait > 0) {
      throw new MeetingError(
        'rate-limited',
        `You are sending messages too quickly. Please wait ${wait} seconds.`,
        wait,
      );
    }
    const recipient = to === undefined ? null : room.participants.get(to);
    if (recipient === undefined)
      throw new MeetingError('not-found', 'That participant has left the meeting.');
    if (recipient?.id === actorId)
      throw new MeetingError('bad-request', 'A private message goes to someone else.');
    const message = {
      id: randomId(12),
      from: actorId,
      to: recipient?.id ?? null,
      ciphertext,
      sentAt: this.now(),
    };
    // Kept (ids only) so that deleting works as for clear chat; never put into the history.
    room.sentMessages.add(message.id, { from: message.from, to: message.to });
    const event: ServerEvent = { type: 'e2ee-chat-message', message };
    if (message.to === null) room.broadcast(event);
    else for (const id of new Set([message.from, message.to])) room.participants.get(id)?.channel.send(event);
    return { messageId: message.id };
  }
}
