import type { Reaction } from '@parley/protocol';
import { ChatRate } from '../../meeting/chat-rate.js';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Participant } from '../../meeting/participant.js';
import type { Room } from '../../meeting/room.js';
import { CONTRACT } from '../../privacy/legal-bases.js';
import { defineStore } from '../../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const RAISED_HANDS_STORE = defineStore({
  id: 'raised-hands',
  name: 'Raised hands',
  data: 'The participant ids of the people who raised their hand in a meeting, in the order they raised it.',
  purpose: 'Letting moderators give the floor in turn.',
  legalBasis: CONTRACT,
  retention: 'Until the hand is lowered or the person leaves, at the latest until the meeting ends.',
  personal: true,
});

/**
 * Meeting life: the queue of raised hands (first raised first, so moderators give the floor in
 * turn) and emoji reactions, which are relayed and kept nowhere. A room's queue lives exactly as
 * long as the room object (WeakMap), and a leaver's hand is dropped when they leave.
 */
export class MeetingLife {
  private readonly queues = new WeakMap<Room, string[]>();
  private readonly reactionRates = new WeakMap<Participant, ChatRate>();

  constructor(
    private readonly access: MeetingAccess,
    private readonly now: () => number,
  ) {}

  /** Raise or lower one's own hand. Raising twice keeps the first place. */
  setHand(actorId: string, raised: boolean): void {
    const { room } = this.access.inMeeting(actorId);
    const queue = this.queue(room);
    const at = queue.indexOf(actorId);
    if (raised === at >= 0) return;
    if (raised) queue.push(actorId);
    else queue.splice(at, 1);
    this.broadcast(room);
  }

  /** Moderator: lower someone's hand; they are told it was a moderator. */
  lowerHand(actorId: string, participantId: string): void {
    const { room } = this.access.moderator(actorId);
    if (!room.participants.has(participantId)) {
      throw new MeetingError('not-found', 'That participant has left the meeting.');
    }
    const queue = this.queue(room);
    const at = queue.indexOf(participantId);
    if (at < 0) return;
    queue.splice(at, 1);
    this.broadcast(room, participantId === actorId ? undefined : participantId);
  }

  /** Relay a reaction to everyone; at most a burst of 5, then one a second. */
  react(actorId: string, reaction: Reaction): void {
    const { room, participant } = this.access.inMeeting(actorId);
    let rate = this.reactionRates.get(participant);
    if (!rate) {
      rate = new ChatRate(1, 5, this.now);
      this.reactionRates.set(participant, rate);
    }
    const wait = rate.take();
    if (wait > 0) {
      throw new MeetingError('rate-limited', `Too many reactions. Please wait ${wait} seconds.`, wait);
    }
    room.broadcast({ type: 'reaction', participantId: actorId, reaction });
  }

  /** A joiner learns who has a hand up (only when someone has). */
  welcome(room: Room, participant: Participant): void {
    const queue = this.queues.get(room);
    if (queue && queue.length > 0) participant.channel.send({ type: 'hands-updated', queue: [...queue] });
  }

  /** Someone left the meeting: their hand goes down with them. */
  forget(room: Room, participantId: string): void {
    const queue = this.queues.get(room);
    const at = queue?.indexOf(participantId) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    this.broadcast(room);
  }

  /** The raised hands of a room, first raised first. */
  raisedHands(room: Room): readonly string[] {
    return this.queues.get(room) ?? [];
  }

  private queue(room: Room): string[] {
    let queue = this.queues.get(room);
    if (!queue) {
      queue = [];
      this.queues.set(room, queue);
    }
    return queue;
  }

  private broadcast(room: Room, loweredByModerator?: string): void {
    const queue = [...this.queue(room)];
    room.broadcast(
      loweredByModerator === undefined
        ? { type: 'hands-updated', queue }
        : { type: 'hands-updated', queue, loweredByModerator },
    );
  }
}
