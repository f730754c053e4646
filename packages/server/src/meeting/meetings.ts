import type {
  IceServer,
  PublishedTrack,
  TrackSource,
  VideoCodec,
  VideoReceptionMode,
  VideoSizeRequest,
} from '@parley/protocol';
import type { MediaPlane } from '@parley/sfu';
import { Breakouts } from '../features/breakouts/breakouts.js';
import { Chat } from '../features/chat/chat.js';
import { E2eeDelivery } from '../features/e2ee/e2ee-delivery.js';
import { MeetingLife } from '../features/meeting-life/meeting-life.js';
import { Moderation } from '../features/moderation/moderation.js';
import { PollRelay } from '../features/polls/poll-relay.js';
import { MeetingRecording } from '../features/recording/recording.js';
import type { Logger } from '../logger.js';
import { MeetingMedia } from '../media-bridge/meeting-media.js';
import { Admission, type Credentials, type KeptRooms } from './admission.js';
import { EndedMeetings } from './ended-meetings.js';
import { Invitations } from './invitations.js';
import { type FeatureHooks, MeetingLifecycle } from './lifecycle.js';
import type { Membership } from './meeting-access.js';
import type { Identity, Participant, ParticipantChannel } from './participant.js';
import { PasswordThrottle } from './password-throttle.js';
import { ResumeTokens } from './resume-tokens.js';
import { type JoinOutcome, Resumption } from './resumption.js';
import type { Room } from './room.js';
import { RoomRegistry } from './room-registry.js';
import type { RoomStateStore } from './room-snapshot.js';
import { Roster } from './roster.js';
import { DEFAULT_MEETING_LIMITS, type MeetingLimits } from './waiting-limits.js';

export type { Credentials, KeptRooms } from './admission.js';
export type { Membership } from './meeting-access.js';
export { MeetingError } from './meeting-error.js';
export type { JoinOutcome } from './resumption.js';
export { DEFAULT_MEETING_LIMITS, type MeetingLimits } from './waiting-limits.js';

export interface MeetingsOptions {
  now?: () => number;
  invitations?: Invitations;
  passwordThrottle?: PasswordThrottle;
  /**
   * The address hasher (IpHasher): when its key rotates, the address hashes kept here (password
   * throttling, removed people) can never match again and are dropped.
   */
  addressKeys?: { onRotate(listener: () => void): () => void };
  /**
   * Signs resume tokens; every node of a cluster must use the same key. Default: 32 random bytes
   * for this process only (tokens then die with it); `createParley` passes a key kept in the data directory.
   */
  signingKey?: () => Buffer;
  /**
   * Cluster hook: may a valid resume token reopen its meeting (`meetingId`) here, though nobody is in
   * it on this node? Asked only then, after the local checks passed (meeting not ended here). Answer
   * false when the meeting runs on another node or was ended elsewhere. Default (one node): true —
   * the token proves its holder was admitted to that meeting, which this server lost (restart).
   */
  mayReopen?: (roomName: string, meetingId: string) => boolean | Promise<boolean>;
  /** `relay`: joiners may use relayed (TURN) ICE candidates only (PARLEY_ICE_RELAY_ONLY=1). */
  iceTransportPolicy?: 'relay';
  /** The video codec browsers publish in when they can (PARLEY_VIDEO_CODEC); default VP8. */
  videoCodec?: VideoCodec;
  /**
   * Cluster: where a meeting's settings wait for the node that takes it over (docs/cluster.md). A
   * join for a room not open here restores what is kept there first.
   */
  roomState?: RoomStateStore;
  /** How many guests may wait where (config.meetingLimits); defaults: DEFAULT_MEETING_LIMITS. */
  limits?: Partial<MeetingLimits>;
  /** Rooms that keep their settings (KeptRoomStore): who may open them and what opening applies. */
  keptRooms?: KeptRooms;
}

/**
 * The control plane's meetings, put together: who gets in (admission.ts, resumption.ts), a meeting's
 * life (lifecycle.ts), the media plane (media-bridge/), and each feature (features/<name>/), each of
 * which gets a narrow access object rather than this class. Signaling, the cluster and the tests
 * talk to this one object. Everything here is in memory and ends with the meeting.
 */
export class Meetings {
  readonly registry = new RoomRegistry();
  readonly invitations: Invitations;
  readonly moderation: Moderation;
  readonly chat: Chat;
  readonly e2ee: E2eeDelivery;
  readonly life: MeetingLife;
  /** Poll messages without E2EE, relayed and kept nowhere. */
  readonly polls: PollRelay;
  readonly breakouts: Breakouts;
  readonly recording: MeetingRecording;
  readonly resumeTokens: ResumeTokens;
  /** Meetings a moderator ended: no resume token reopens them. */
  readonly endedMeetings: EndedMeetings;
  private readonly roster = new Roster();
  private readonly lifecycle: MeetingLifecycle;
  private readonly resumption: Resumption;
  private readonly admission: Admission;
  private readonly media: MeetingMedia;
  private readonly stopWatchingKeys: () => void;

  constructor(
    media: MediaPlane,
    logger: Logger,
    iceServers: () => IceServer[],
    options: MeetingsOptions = {},
  ) {
    const now = options.now ?? Date.now;
    const { registry, roster } = this;
    const limits = { ...DEFAULT_MEETING_LIMITS, ...options.limits };
    const throttle = options.passwordThrottle ?? new PasswordThrottle({ now });
    this.invitations = options.invitations ?? new Invitations(now);
    this.resumeTokens = new ResumeTokens({ now, ...(options.signingKey ? { key: options.signingKey } : {}) });
    this.endedMeetings = new EndedMeetings(now);
    const isEncrypted = (room: Room) => this.e2ee.stateOf(room) !== 'off';

    this.lifecycle = new MeetingLifecycle({
      registry,
      roster,
      media,
      logger,
      now,
      iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
      videoCodec: options.videoCodec ?? 'vp8',
      endedMeetings: this.endedMeetings,
      roomState: options.roomState,
      features: this.featureHooks(),
      resumeTokenFor: (room, participant) => this.resumption.tokenFor(room, participant),
      markOpened: (id) => {
        // Keeps the kept room for another retention period; a failed write costs nothing but that.
        options.keptRooms?.markOpened(id).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not record the opening of a kept room');
        });
      },
    });
    const { lifecycle } = this;
    this.media = new MeetingMedia({
      media,
      logger,
      access: roster,
      member: (id) => roster.get(id),
      rooms: () => registry.rooms(),
      leave: (id) => lifecycle.leave(id),
      isCurrent: (room) => registry.find(room.name) === room,
    });
    this.resumption = new Resumption({
      registry,
      roster,
      lifecycle,
      tokens: this.resumeTokens,
      endedMeetings: this.endedMeetings,
      limits,
      now,
      mayReopen: options.mayReopen ?? (() => true),
      isEncrypted,
    });

    // The features, each with only what it needs of the meetings.
    this.moderation = new Moderation(
      {
        inMeeting: (id) => roster.inMeeting(id),
        moderator: (id) => roster.moderator(id),
        admitFromLobby: (room, participant) => lifecycle.admitFromLobby(room, participant),
        turnAway: (room, participant, reason) => lifecycle.turnAway(room, participant, reason),
        removeFromMeeting: (participant) => lifecycle.removeFromMeeting(participant),
        end: (room) => lifecycle.end(room),
        speakerStateChanged: (room, participant) => this.media.speakerStateChanged(room, participant),
        sendResumeToken: (room, participant) => this.resumption.sendToken(room, participant),
      },
      media,
      this.invitations,
      logger,
    );
    this.chat = new Chat(roster, now);
    this.e2ee = new E2eeDelivery(
      {
        inMeeting: (id) => roster.inMeeting(id),
        moderator: (id) => roster.moderator(id),
        keepsBreakouts: (room) => this.breakouts.keeps(room),
        requestKeyframes: (room) => this.media.requestKeyframes(room),
      },
      now,
    );
    this.life = new MeetingLife(roster, now);
    this.polls = new PollRelay({
      inMeeting: (id) => roster.inMeeting(id),
      moderator: (id) => roster.moderator(id),
      isEncrypted,
    });
    this.breakouts = new Breakouts(
      {
        inMeeting: (id) => roster.inMeeting(id),
        moderator: (id) => roster.moderator(id),
        find: (roomName) => registry.find(roomName),
        isEncrypted,
        startEncrypted: (room) => this.e2ee.startEncrypted(room),
        forgetIfUnused: (room) => lifecycle.forgetIfUnused(room),
        end: (room) => lifecycle.end(room),
      },
      now,
    );
    this.recording = new MeetingRecording(roster, now);

    this.admission = new Admission({
      registry,
      roster,
      lifecycle,
      resumption: this.resumption,
      invitations: this.invitations,
      throttle,
      breakouts: this.breakouts,
      endedMeetings: this.endedMeetings,
      limits,
      keptRooms: options.keptRooms,
      roomState: options.roomState,
      now,
      logger,
      isEncrypted,
    });
    this.stopWatchingKeys =
      options.addressKeys?.onRotate(() => {
        throttle.clear();
        for (const room of registry.rooms()) room.removals.forgetAddresses();
      }) ?? (() => {});
  }

  /** What the features do as people come and go (lifecycle.ts asks; the features answer). */
  private featureHooks(): FeatureHooks {
    return {
      welcome: (room, participant) => {
        this.life.welcome(room, participant);
        this.breakouts.welcome(room, participant);
        this.recording.welcome(room, participant);
      },
      arrived: (room, participantId) => this.e2ee.joined(room, participantId),
      left: (room, participantId) => {
        this.e2ee.left(room, participantId);
        this.life.forget(room, participantId);
        this.recording.forget(room, participantId);
      },
      emptied: (room) => this.breakouts.emptied(room),
      keeps: (room) => this.breakouts.keeps(room),
      ended: (room) => this.breakouts.ended(room),
      openedEncrypted: (host) => this.e2ee.enable(host.id),
    };
  }

  /** See Admission.join. */
  join(
    roomName: string,
    identity: Identity,
    channel: ParticipantChannel,
    credentials: Credentials = {},
  ): Promise<{ membership: Membership; outcome: JoinOutcome }> {
    return this.admission.join(roomName, identity, channel, credentials);
  }

  resumeTokenFor(room: Room, participant: Participant): string {
    return this.resumption.tokenFor(room, participant);
  }

  sendResumeToken(room: Room, participant: Participant): void {
    this.resumption.sendToken(room, participant);
  }

  admitFromLobby(room: Room, participant: Participant): void {
    this.lifecycle.admitFromLobby(room, participant);
  }

  turnAway(room: Room, participant: Participant, reason: 'denied' | 'locked'): void {
    this.lifecycle.turnAway(room, participant, reason);
  }

  removeFromMeeting(participant: Participant): void {
    this.lifecycle.removeFromMeeting(participant);
  }

  leave(participantId: string, options: { replaced?: boolean } = {}): void {
    this.lifecycle.leave(participantId, options);
  }

  forgetIfUnused(room: Room): void {
    this.lifecycle.forgetIfUnused(room);
  }

  end(room: Room, options: { byModerator?: boolean } = {}): void {
    this.lifecycle.end(room, options);
  }

  inMeeting(participantId: string): Membership {
    return this.roster.inMeeting(participantId);
  }

  moderator(participantId: string): Membership {
    return this.roster.moderator(participantId);
  }

  publish(participantId: string, sdp: string, tracks: PublishedTrack[]): Promise<string> {
    return this.media.publish(participantId, sdp, tracks);
  }

  subscribe(participantId: string, sdp: string): Promise<string> {
    return this.media.subscribe(participantId, sdp);
  }

  subscriberAnswer(participantId: string, sdp: string): Promise<void> {
    return this.media.subscriberAnswer(participantId, sdp);
  }

  requestKeyframes(room: Room): void {
    this.media.requestKeyframes(room);
  }

  setVideoSize(participantId: string, size: Omit<VideoSizeRequest, 'type' | 'id'>): void {
    this.media.setVideoSize(participantId, size);
  }

  setVideoReception(participantId: string, mode: VideoReceptionMode): void {
    this.media.setVideoReception(participantId, mode);
  }

  setMuted(participantId: string, source: TrackSource, muted: boolean): void {
    this.media.setMuted(participantId, source, muted);
  }

  speakerStateChanged(room: Room, participant: Participant): void {
    this.media.speakerStateChanged(room, participant);
  }

  /** Counts for health checks and tests: no names. */
  counts(): { rooms: number; participants: number } {
    return { rooms: this.registry.size, participants: this.roster.size };
  }

  /** See MeetingLifecycle.handOver. */
  handOver(rooms: Room[] = [...this.registry.rooms()]): void {
    this.lifecycle.handOver(rooms);
  }

  /** Server shutdown: tell everyone, then free everything. */
  closeAll(): void {
    this.lifecycle.closeAll();
    this.stopWatchingKeys();
    this.resumption.stop();
  }
}
