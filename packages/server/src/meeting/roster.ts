import { declareStore } from '../privacy/memory-stores.js';
import type { MeetingAccess, Membership } from './meeting-access.js';
import { MeetingError } from './meeting-error.js';

declareStore('participants');

/**
 * Everyone the server knows by participant id, admitted or knocking or waiting, with their room: the
 * lookups every request starts with. In memory only, each entry gone when its person leaves.
 */
export class Roster implements MeetingAccess {
  private readonly members = new Map<string, Membership>();

  get size(): number {
    return this.members.size;
  }

  get(participantId: string): Membership | undefined {
    return this.members.get(participantId);
  }

  add(membership: Membership): void {
    this.members.set(membership.participant.id, membership);
  }

  delete(participantId: string): void {
    this.members.delete(participantId);
  }

  inMeeting(participantId: string): Membership {
    const membership = this.members.get(participantId);
    if (!membership?.room.participants.has(participantId)) {
      throw new MeetingError('not-joined', 'Join the meeting first.');
    }
    return membership;
  }

  moderator(participantId: string): Membership {
    const membership = this.members.get(participantId);
    if (!membership) throw new MeetingError('not-joined', 'Join the meeting first.');
    if (!membership.participant.isModerator || !membership.room.participants.has(participantId)) {
      throw new MeetingError('forbidden', 'Only a moderator can do this.');
    }
    return membership;
  }
}
