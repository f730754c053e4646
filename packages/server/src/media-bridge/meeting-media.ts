import type { PublishedTrack, TrackSource, VideoReceptionMode, VideoSizeRequest } from '@parley/protocol';
import { CloseCode } from '@parley/protocol';
import type { MediaPlane } from '@parley/sfu';
import { MediaError } from '@parley/sfu';
import type { Logger } from '../logger.js';
import type { MeetingAccess, Membership } from '../meeting/meeting-access.js';
import { MeetingError } from '../meeting/meeting-error.js';
import type { Participant } from '../meeting/participant.js';
import type { Room } from '../meeting/room.js';

export interface MeetingMediaDeps {
  media: MediaPlane;
  logger: Logger;
  access: MeetingAccess;
  /** Anyone known by id (admitted or not): media events may name someone not admitted any more. */
  member(participantId: string): Membership | undefined;
  /** The rooms this server holds now. */
  rooms(): Iterable<Room>;
  /** The participant goes (their media connection died). */
  leave(participantId: string): void;
  /** Is this still the room its name leads to? (A meeting may end while a request waits.) */
  isCurrent(room: Room): boolean;
}

/**
 * The bridge between the meetings and the media plane (MediaPlane): publishing and subscribing,
 * mutes and holds as the SFU must apply them, video sizes, and the SFU's events back to the people.
 * The SFU knows rooms and participants only by random ids; here they meet the signaling side.
 */
export class MeetingMedia {
  constructor(private readonly deps: MeetingMediaDeps) {
    const { media } = deps;
    media.on('subscriber-offer', ({ participantId, sdp, tracks }) => {
      deps.member(participantId)?.participant.channel.send({ type: 'subscriber-offer', sdp, tracks });
    });
    media.on('active-speakers', ({ roomId, participantIds }) => {
      // Rare (only when the list of speakers changes): a scan of the rooms is cheap enough.
      for (const room of deps.rooms()) {
        if (room.id === roomId) room.broadcast({ type: 'active-speakers', participantIds });
      }
    });
    // To the subscriber alone: its own connection is too slow for that video (issue 18).
    media.on('video-bandwidth-pause', ({ roomId, subscriberId, participantId, source, paused }) => {
      const membership = deps.member(subscriberId);
      if (membership?.room.id !== roomId) return;
      membership.participant.channel.send({ type: 'video-bandwidth-pause', participantId, source, paused });
    });
    // To the publisher alone: the layers of its camera someone takes (the others pause; dynacast).
    media.on('simulcast-layers', ({ roomId, participantId, source, active }) => {
      const membership = deps.member(participantId);
      if (membership?.room.id !== roomId) return;
      membership.participant.channel.send({ type: 'simulcast-layers', source, active });
    });
    media.on('connection-closed', ({ participantId, direction }) => {
      const membership = deps.member(participantId);
      if (!membership) return;
      deps.logger.info({ roomId: membership.room.id, direction }, 'media connection lost');
      membership.participant.channel.close(CloseCode.mediaLost, 'media connection lost');
      deps.leave(participantId);
    });
    media.on('rooms-lost', ({ roomIds }) => this.restartMedia(new Set(roomIds)));
  }

  private get media(): MediaPlane {
    return this.deps.media;
  }

  /**
   * The media plane lost these rooms (a media worker failed): open each meeting still here again,
   * register its participants anew, and have every browser connect its media again (`media-restart`).
   * Signaling, roles and meeting state are untouched; an audio hold is applied again when they publish.
   */
  private restartMedia(roomIds: Set<string>): void {
    for (const room of this.deps.rooms()) {
      if (!roomIds.has(room.id) || !room.isLive) continue;
      this.media.openRoom(room.id);
      for (const participant of room.participants.values())
        this.media.addParticipant(room.id, participant.id);
      this.deps.logger.warn(
        { roomId: room.id, participants: room.participants.size },
        'media restarted for a meeting',
      );
      room.broadcast({ type: 'media-restart' });
    }
  }

  async publish(participantId: string, sdp: string, tracks: PublishedTrack[]): Promise<string> {
    const { room, participant } = this.deps.access.inMeeting(participantId);
    const sources = new Set<TrackSource>();
    for (const track of tracks) {
      if (sources.has(track.source)) {
        throw new MeetingError('negotiation-failed', `Only one ${track.source} track can be published.`);
      }
      sources.add(track.source);
    }
    // Screen audio travels only with a screen share: otherwise it would be a second microphone.
    if (sources.has('screen-audio') && !sources.has('screen')) {
      throw new MeetingError('negotiation-failed', 'Screen audio can only be published with a screen share.');
    }
    const answer = await this.negotiate(() => this.media.publish(room.id, participantId, sdp, tracks));
    participant.setPublishedSources(tracks);
    if (participant.audioHeld) {
      if (participant.micMuted === false) {
        // Offering an open microphone is unmuting oneself: allowed unless hard-muted.
        if (participant.hardMuted) participant.setMuted('mic', true);
        else this.releaseAudio(room, participant);
      }
      // A new microphone track must stay silent too while the hold lasts.
      if (participant.audioHeld) this.media.setAudioHeld(room.id, participantId, true);
    }
    this.speakerStateChanged(room, participant);
    room.broadcast({ type: 'participant-updated', participant: participant.info() });
    return answer;
  }

  async subscribe(participantId: string, sdp: string): Promise<string> {
    const { room } = this.deps.access.inMeeting(participantId);
    return this.negotiate(() => this.media.subscribe(room.id, participantId, sdp));
  }

  async subscriberAnswer(participantId: string, sdp: string): Promise<void> {
    const { room } = this.deps.access.inMeeting(participantId);
    await this.negotiate(() => this.media.subscriberAnswer(room.id, participantId, sdp));
  }

  /** Ask the room's video publishers for key frames (end-to-end keys changed). */
  requestKeyframes(room: Room): void {
    if (this.deps.isCurrent(room) && room.isLive) this.media.requestKeyframes(room.id);
  }

  /** The size at which the participant shows another's video; the SFU picks the layer from it. */
  setVideoSize(participantId: string, size: Omit<VideoSizeRequest, 'type' | 'id'>): void {
    const { room } = this.deps.access.inMeeting(participantId);
    this.media.setVideoSize(room.id, participantId, size.participantId, size.source, size.width, size.height);
  }

  /** How much of the others' video the participant receives (low-data mode); the SFU applies it. */
  setVideoReception(participantId: string, mode: VideoReceptionMode): void {
    const { room } = this.deps.access.inMeeting(participantId);
    this.media.setVideoReception(room.id, participantId, mode);
  }

  /** The participant switches one of their sources off or on; a hard-muted microphone stays off. */
  setMuted(participantId: string, source: TrackSource, muted: boolean): void {
    const { room, participant } = this.deps.access.inMeeting(participantId);
    if (source === 'mic' && !muted && participant.hardMuted) {
      throw new MeetingError(
        'unmute-not-allowed',
        'A moderator muted you. Ask to unmute; you can unmute once a moderator allows it.',
      );
    }
    if (!participant.setMuted(source, muted)) {
      throw new MeetingError('not-joined', `Nothing is published from the ${source}.`);
    }
    if (source === 'mic' && !muted) this.releaseAudio(room, participant);
    if (source === 'mic') this.speakerStateChanged(room, participant);
    room.broadcast({ type: 'participant-updated', participant: participant.info() });
  }

  /** The SFU's speaker ranking: a muted microphone never ranks, a slot is kept for a moderator. */
  speakerStateChanged(room: Room, participant: Participant): void {
    this.media.setSpeakerState(room.id, participant.id, {
      muted: participant.micMuted !== false,
      moderator: participant.role === 'moderator',
    });
  }

  /** Forward the participant's microphone again after a moderator's (soft) mute. */
  private releaseAudio(room: Room, participant: Participant): void {
    if (!participant.audioHeld) return;
    participant.audioHeld = false;
    this.media.setAudioHeld(room.id, participant.id, false);
  }

  private async negotiate<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      // Our own MediaErrors are worded for the client; anything else (a native exception) is not.
      if (error instanceof MediaError) {
        throw new MeetingError(
          'negotiation-failed',
          `The media connection could not be set up: ${error.message}`,
        );
      }
      this.deps.logger.debug({ err: error }, 'negotiation failed');
      throw new MeetingError(
        'negotiation-failed',
        'The media connection could not be set up. Please try again, or reload the page.',
      );
    }
  }
}
