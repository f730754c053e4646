import type { ChatMessage, ServerEvent } from '@parley/protocol';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Room } from '../../meeting/room.js';
import { randomId } from '../../meeting/room-registry.js';
import type { SentMessage } from '../../meeting/sent-messages.js';

/**
 * A meeting's chat: the server relays each message to everyone or to one participant and writes it
 * nowhere — no disk, no log. Only while moderators switch history on are public messages kept in
 * memory for late joiners (ChatHistory); deletions reach exactly the screens that show the message.
 */
export class Chat {
  constructor(
    private readonly access: MeetingAccess,
    private readonly now: () => number,
  ) {}

  /** Send to everyone, or privately to one participant (`to`). Returns the message's random id. */
  send(actorId: string, text: string, to: string | undefined): { messageId: string } {
    const { room, participant } = this.access.inMeeting(actorId);
    const wait = participant.chatRate.take();
    if (wait > 0) {
      throw new MeetingError(
        'rate-limited',
        `You are sending messages too quickly. Please wait ${wait} seconds.`,
        wait,
      );
    }
    const recipient = to === undefined ? null : room.participants.get(to);
    if (recipient === undefined) {
      throw new MeetingError('not-found', 'That participant has left the meeting.');
    }
    if (recipient?.id === actorId) {
      throw new MeetingError('bad-request', 'A private message goes to someone else.');
    }
    const message: ChatMessage = {
      id: randomId(12),
      from: participant.id,
      fromName: participant.displayName,
      to: recipient?.id ?? null,
      text,
      sentAt: this.now(),
    };
    room.sentMessages.add(message.id, { from: message.from, to: message.to });
    room.chatHistory.add(message);
    this.deliver(room, { from: message.from, to: message.to }, { type: 'chat-message', message });
    return { messageId: message.id };
  }

  /** Delete a message: one's own, or any as a moderator. */
  delete(actorId: string, messageId: string): void {
    const { room, participant } = this.access.inMeeting(actorId);
    const sent = room.sentMessages.get(messageId);
    if (!sent) throw new MeetingError('not-found', 'That message does not exist any more.');
    if (sent.from !== actorId && !participant.isModerator) {
      throw new MeetingError('forbidden', 'You can delete only your own messages.');
    }
    room.sentMessages.delete(messageId);
    room.chatHistory.delete(messageId);
    this.deliver(room, sent, { type: 'chat-deleted', messageId });
  }

  /** Moderator: every message disappears from every screen and from the history. */
  clear(actorId: string): void {
    const { room } = this.access.moderator(actorId);
    room.chatHistory.clear();
    room.sentMessages.clear();
    room.broadcast({ type: 'chat-cleared' });
  }

  /** Moderator: keep public messages for late joiners (memory only); switching it off forgets them. */
  setHistory(actorId: string, enabled: boolean): void {
    const { room } = this.access.moderator(actorId);
    if (room.chatHistory.enabled === enabled) return;
    room.chatHistory.setEnabled(enabled);
    room.broadcastSettings();
  }

  /** A public message's events go to everyone; a private one's to its author and recipient only. */
  private deliver(room: Room, sent: SentMessage, event: ServerEvent): void {
    if (sent.to === null) {
      room.broadcast(event);
      return;
    }
    for (const id of new Set([sent.from, sent.to])) room.participants.get(id)?.channel.send(event);
  }
}
