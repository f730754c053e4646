import type { IceServer, PublishedTrack, TrackSource } from '@parley/protocol';
import type { Logger } from '../logger.js';
import type { MediaPlane } from '../media/media-plane.js';
import { type Identity, Participant, type ParticipantChannel } from './participant.js';
import type { Room } from './room.js';
import { RoomRegistry, randomId } from './room-registry.js';

/** Raised for requests that make no sense in the participant's current state. */
export class MeetingError extends Error {
  constructor(
    readonly code: 'not-joined' | 'already-joined' | 'negotiation-failed',
    message: string,
  ) {
    super(message);
  }
}

/** A participant's place: the room they are in (or waiting for) and themselves. */
export interface Membership {
  room: Room;
  participant: Participant;
}

/**
 * The control plane's meetings: admits participants into rooms, tells everyone about arrivals and
 * departures, and drives the media plane. Everything here is in memory and ends with the meeting.
 */
export class Meetings {
  readonly registry = new RoomRegistry();
  private readonly members = new Map<string, Membership>();

  constructor(
    private readonly media: MediaPlane,
    private readonly logger: Logger,
    private readonly iceServers: () => IceServer[],
  ) {
    media.on('subscriber-offer', ({ participantId, sdp, tracks }) => {
      this.members.get(participantId)?.participant.channel.send({ type: 'subscriber-offer', sdp, tracks });
    });
    media.on('connection-closed', ({ participantId, direction }) => {
      const membership = this.members.get(participantId);
      if (!membership) return;
      this.logger.info({ roomId: membership.room.id, direction }, 'media connection lost');
      membership.participant.channel.close(4001, 'media connection lost');
      this.leave(participantId);
    });
  }

  /** Join a room by name. Returns the membership and whether the participant is in or waiting for a host. */
  join(roomName: string, identity: Identity, channel: ParticipantChannel) {
    const { room } = this.registry.getOrCreate(roomName);
    const participant = new Participant(randomId(), identity, channel);
    this.members.set(participant.id, { room, participant });
    const wasOpen = room.isOpen;
    const { outcome, alsoAdmitted } = room.admit(participant);
    if (outcome === 'joined') {
      if (!wasOpen) {
        this.media.openRoom(room.id);
        this.logger.info({ roomId: room.id }, 'meeting opened');
      }
      const newcomers = [participant, ...alsoAdmitted];
      const newIds = new Set(newcomers.map((p) => p.id));
      for (const existing of room.participants.values()) {
        if (newIds.has(existing.id)) continue;
        for (const newcomer of newcomers) {
          existing.channel.send({ type: 'participant-joined', participant: newcomer.info() });
        }
      }
      for (const newcomer of newcomers) this.startMedia(room, newcomer);
    }
    return { membership: { room, participant }, outcome };
  }

  /** Registers the participant with the media plane and sends the `joined` event. */
  private startMedia(room: Room, participant: Participant): void {
    this.media.addParticipant(room.id, participant.id);
    participant.channel.send({
      type: 'joined',
      self: participant.info(),
      participants: room.otherParticipants(participant.id).map((p) => p.info()),
      iceServers: this.iceServers(),
      settings: { ...room.settings },
      chatHistory: [],
    });
  }

  leave(participantId: string): void {
    const membership = this.members.get(participantId);
    if (!membership) return;
    this.members.delete(participantId);
    const { room } = membership;
    if (room.remove(participantId)) this.media.removeParticipant(room.id, participantId);
    if (this.registry.removeIfEmpty(room)) {
      if (room.isOpen) this.media.closeRoom(room.id);
      this.logger.info({ roomId: room.id }, 'meeting ended');
    }
  }

  private admitted(participantId: string): Membership {
    const membership = this.members.get(participantId);
    if (!membership?.room.participants.has(participantId)) {
      throw new MeetingError('not-joined', 'Join the meeting first.');
    }
    return membership;
  }

  async publish(participantId: string, sdp: string, tracks: PublishedTrack[]): Promise<string> {
    const { room, participant } = this.admitted(participantId);
    const sources = new Set<TrackSource>();
    for (const track of tracks) {
      if (sources.has(track.source)) {
        throw new MeetingError('negotiation-failed', `Only one ${track.source} track can be published.`);
      }
      sources.add(track.source);
    }
    const answer = await this.negotiate(() => this.media.publish(room.id, participantId, sdp, tracks));
    participant.setPublishedSources(tracks);
    room.broadcast({ type: 'participant-updated', participant: participant.info() });
    return answer;
  }

  async subscribe(participantId: string, sdp: string): Promise<string> {
    const { room } = this.admitted(participantId);
    return this.negotiate(() => this.media.subscribe(room.id, participantId, sdp));
  }

  async subscriberAnswer(participantId: string, sdp: string): Promise<void> {
    const { room } = this.admitted(participantId);
    await this.negotiate(() => this.media.subscriberAnswer(room.id, participantId, sdp));
  }

  setMuted(participantId: string, source: TrackSource, muted: boolean): void {
    const { room, participant } = this.admitted(participantId);
    if (!participant.setMuted(source, muted)) {
      throw new MeetingError('not-joined', `Nothing is published from the ${source}.`);
    }
    room.broadcast({ type: 'participant-updated', participant: participant.info() });
  }

  private async negotiate<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MeetingError('negotiation-failed', `The media connection could not be set up: ${reason}`);
    }
  }

  /** Counts for health checks and tests: no names. */
  counts(): { rooms: number; participants: number } {
    return { rooms: this.registry.size, participants: this.members.size };
  }

  /** Server shutdown: tell everyone, then free everything. */
  closeAll(): void {
    for (const { participant } of [...this.members.values()]) {
      participant.channel.send({ type: 'room-closed', reason: 'server-shutdown' });
      participant.channel.close(1001, 'server shutting down');
      this.leave(participant.id);
    }
  }
}
