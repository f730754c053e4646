import type { IceServer, JoinResult, PublishedTrack, TrackSource, VideoSizeRequest } from '@parley/protocol';
import type { Logger } from '../logger.js';
import type { MediaPlane } from '../media/media-plane.js';
import { declareStore } from '../privacy/memory-stores.js';
import { Chat } from './chat.js';
import { CloseCode } from './close-codes.js';
import { E2eeDelivery } from './e2ee-delivery.js';
import { MeetingLife } from './hands.js';
import { type InvitationCheck, Invitations, invitationProblem } from './invitations.js';
import { MeetingError } from './meeting-error.js';
import { Moderation } from './moderation.js';
import { type Identity, Participant, type ParticipantChannel } from './participant.js';
import { PasswordThrottle } from './password-throttle.js';
import type { Room } from './room.js';
import { RoomRegistry, randomId } from './room-registry.js';

declareStore('participants');

export { MeetingError } from './meeting-error.js';

/** A participant's place: the room they are in (or knocking at, or waiting for) and themselves. */
export interface Membership {
  room: Room;
  participant: Participant;
}

/** What a joiner may bring besides who they are. */
export interface Credentials {
  password?: string | undefined;
  invitation?: string | undefined;
  /** The browser can take part in end-to-end encrypted meetings. */
  e2ee?: boolean | undefined;
}

export type JoinOutcome = JoinResult['status'];

type ValidInvitation = Extract<InvitationCheck, { valid: true }>;

export interface MeetingsOptions {
  now?: () => number;
  invitations?: Invitations;
  passwordThrottle?: PasswordThrottle;
  /**
   * The address hasher (IpHasher): when its key rotates, the address hashes kept here (password
   * throttling, removed people) can never match again and are dropped.
   */
  addressKeys?: { onRotate(listener: () => void): () => void };
}

/**
 * The control plane's meetings: decides who gets in (host, password, lobby, invitation, lock,
 * removals), tells everyone about arrivals and departures, and drives the media plane. Moderator
 * commands live in `moderation`, chat in `chat`. Everything here is in memory and ends with the meeting.
 */
export class Meetings {
  readonly registry = new RoomRegistry();
  readonly invitations: Invitations;
  readonly moderation: Moderation;
  readonly chat: Chat;
  readonly e2ee: E2eeDelivery;
  readonly life: MeetingLife;
  private readonly members = new Map<string, Membership>();
  private readonly throttle: PasswordThrottle;
  private readonly now: () => number;
  private readonly stopWatchingKeys: () => void;

  constructor(
    private readonly media: MediaPlane,
    private readonly logger: Logger,
    private readonly iceServers: () => IceServer[],
    options: MeetingsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.invitations = options.invitations ?? new Invitations(this.now);
    this.throttle = options.passwordThrottle ?? new PasswordThrottle({ now: this.now });
    this.moderation = new Moderation(this, media, this.invitations, logger);
    this.chat = new Chat(this, this.now);
    this.e2ee = new E2eeDelivery(this, this.now);
    this.life = new MeetingLife(this, this.now);
    this.stopWatchingKeys =
      options.addressKeys?.onRotate(() => {
        this.throttle.clear();
        for (const room of this.registry.rooms()) room.removals.forgetAddresses();
      }) ?? (() => {});
    media.on('subscriber-offer', ({ participantId, sdp, tracks }) => {
      this.members.get(participantId)?.participant.channel.send({ type: 'subscriber-offer', sdp, tracks });
    });
    media.on('active-speakers', ({ roomId, participantIds }) => {
      // Rare (only when the list of speakers changes): a scan of the rooms is cheap enough.
      for (const room of this.registry.rooms()) {
        if (room.id === roomId) room.broadcast({ type: 'active-speakers', participantIds });
      }
    });
    media.on('connection-closed', ({ participantId, direction }) => {
      const membership = this.members.get(participantId);
      if (!membership) return;
      this.logger.info({ roomId: membership.room.id, direction }, 'media connection lost');
      membership.participant.channel.close(CloseCode.mediaLost, 'media connection lost');
      this.leave(participantId);
    });
  }

  /**
   * Join a room by name. In order: an invitation must be valid, a locked meeting keeps newcomers out,
   * a guest needs the password (unless invited), and then a guest waits for the host, knocks at the
   * lobby (lobby on and not invited, or removed earlier from this meeting) or is in.
   */
  async join(
    roomName: string,
    identity: Identity,
    channel: ParticipantChannel,
    credentials: Credentials = {},
  ): Promise<{ membership: Membership; outcome: JoinOutcome }> {
    const screened = this.screen(roomName, identity, credentials.invitation);
    let invitation = screened.invitation;
    const checked = screened.room;
    if (checked && this.e2ee.stateOf(checked) !== 'off' && credentials.e2ee !== true) {
      throw new MeetingError(
        'e2ee-unsupported',
        'This meeting is end-to-end encrypted and this browser cannot encrypt video. Please use a current Chrome, Edge or Chromium.',
      );
    }
    if (checked?.isOpen && checked.password.isSet && identity.accountId === null && invitation === null) {
      await this.checkPassword(checked, identity, credentials.password);
      // The meeting may have ended while the password was hashed: judge again what is there now.
      if (this.registry.find(roomName) !== checked)
        return this.join(roomName, identity, channel, credentials);
      invitation = this.screen(roomName, identity, credentials.invitation).invitation;
    }
    // From here on nothing awaits: the decision and its effects happen at once.
    const { room } = this.registry.getOrCreate(roomName);
    if (invitation) this.invitations.consume(invitation);
    const participant = new Participant(randomId(), identity, channel, this.now);
    const membership = { room, participant };
    this.members.set(participant.id, membership);

    if (!room.isOpen) {
      if (!participant.isAccountHolder) {
        room.waitingForHost.set(participant.id, participant);
        return { membership, outcome: 'waiting-for-host' };
      }
      room.open();
      this.media.openRoom(room.id);
      this.logger.info({ roomId: room.id }, 'meeting opened');
      const waiting = [...room.waitingForHost.values()];
      room.waitingForHost.clear();
      this.admit(room, [participant, ...waiting]);
      return { membership, outcome: 'joined' };
    }
    const knocks =
      room.removals.matches(identity) ||
      (room.lobbyEnabled && !participant.isAccountHolder && invitation === null);
    if (knocks) {
      room.lobby.add(participant);
      room.sendLobbyToModerators();
      return { membership, outcome: 'lobby' };
    }
    this.admit(room, [participant]);
    return { membership, outcome: 'joined' };
  }

  /** The checks that need no waiting: a given invitation must be valid; a locked meeting keeps newcomers out. */
  private screen(
    roomName: string,
    identity: Identity,
    token: string | undefined,
  ): { room: Room | undefined; invitation: ValidInvitation | null } {
    let invitation: ValidInvitation | null = null;
    if (token !== undefined) {
      const check = this.invitations.check(token, roomName);
      if (!check.valid) throw new MeetingError('invalid-invitation', invitationProblem(check.reason));
      invitation = check;
    }
    const room = this.registry.find(roomName);
    if (room?.isOpen && room.keepsOut(identity)) {
      throw new MeetingError('locked', 'This meeting is locked: nobody new can join.');
    }
    return { room, invitation };
  }

  private async checkPassword(room: Room, identity: Identity, password: string | undefined): Promise<void> {
    const key = identity.addressKey ?? 'no-address';
    const wait = this.throttle.waitSeconds(key);
    if (wait > 0) {
      throw new MeetingError(
        'rate-limited',
        `Too many wrong passwords. Please wait ${wait} seconds before trying again.`,
        wait,
      );
    }
    if (password === undefined || password === '') {
      throw new MeetingError(
        'password-required',
        'This meeting is protected by a password. Please enter it.',
      );
    }
    if (await room.password.matches(password)) {
      this.throttle.succeeded(key);
      return;
    }
    const next = this.throttle.failed(key);
    throw new MeetingError(
      'wrong-password',
      next > 0
        ? `That password is not right. Too many wrong passwords: please wait ${next} seconds before trying again.`
        : 'That password is not right. Please check it and try again.',
      next > 0 ? next : undefined,
    );
  }

  /** Admit people into the meeting proper: tell the others, start their media, send them `joined`. */
  private admit(room: Room, newcomers: Participant[]): void {
    for (const newcomer of newcomers) room.addParticipant(newcomer);
    const newIds = new Set(newcomers.map((p) => p.id));
    for (const existing of room.participants.values()) {
      if (newIds.has(existing.id)) continue;
      for (const newcomer of newcomers) {
        existing.channel.send({ type: 'participant-joined', participant: newcomer.info() });
      }
    }
    for (const newcomer of newcomers) this.startMedia(room, newcomer);
  }

  /** Registers the participant with the media plane and sends the `joined` event. */
  private startMedia(room: Room, participant: Participant): void {
    this.media.addParticipant(room.id, participant.id);
    participant.channel.send({
      type: 'joined',
      self: participant.info(),
      participants: room.otherParticipants(participant.id).map((p) => p.info()),
      iceServers: this.iceServers(),
      settings: room.settings,
      chatHistory: room.chatHistory.earlier(),
    });
    this.life.welcome(room, participant);
    if (participant.isModerator && room.lobby.size > 0) {
      participant.channel.send({ type: 'lobby-updated', entries: room.lobby.entries() });
    }
    this.e2ee.joined(room, participant.id);
  }

  /** A moderator lets a knocking guest in. */
  admitFromLobby(room: Room, participant: Participant): void {
    room.lobby.remove(participant.id);
    this.admit(room, [participant]);
    room.sendLobbyToModerators();
  }

  /** A knocking guest is turned away (denied, meeting locked): they are told why, then disconnected. */
  turnAway(room: Room, participant: Participant, reason: 'denied' | 'locked'): void {
    if (room.remove(participant.id) !== 'lobby') return;
    this.members.delete(participant.id);
    participant.channel.send({ type: 'join-denied', reason });
    participant.channel.close(CloseCode.turnedAway, `join ${reason}`);
    room.sendLobbyToModerators();
  }

  /** A moderator removed a participant: they are told, disconnected at once, and everyone else sees them leave. */
  removeFromMeeting(participant: Participant): void {
    participant.channel.send({ type: 'removed' });
    participant.channel.close(CloseCode.removed, 'removed by a moderator');
    this.leave(participant.id);
  }

  leave(participantId: string): void {
    const membership = this.members.get(participantId);
    if (!membership) return;
    this.members.delete(participantId);
    const { room } = membership;
    const place = room.remove(participantId);
    if (place === 'meeting') {
      this.media.removeParticipant(room.id, participantId);
      room.broadcast({ type: 'participant-left', participantId });
      this.e2ee.left(room, participantId);
      this.life.forget(room, participantId);
      // Nobody is left to admit the guests still knocking: the meeting is over.
      if (room.participants.size === 0 && room.lobby.size > 0) {
        this.end(room);
        return;
      }
    } else if (place === 'lobby') {
      room.sendLobbyToModerators();
    }
    if (this.registry.removeIfEmpty(room)) {
      if (room.isOpen) this.media.closeRoom(room.id);
      this.logger.info({ roomId: room.id }, 'meeting ended');
    }
  }

  /**
   * End the meeting for everyone: participants get `room-closed`, knocking and waiting guests
   * `join-denied`, every connection closes and the room with all it kept is forgotten.
   */
  end(room: Room): void {
    const participants = [...room.participants.values()];
    const guests = [...room.lobby.drain(), ...room.waitingForHost.values()];
    for (const participant of participants) {
      participant.channel.send({ type: 'room-closed', reason: 'ended' });
      participant.channel.close(CloseCode.meetingEnded, 'meeting ended');
    }
    for (const guest of guests) {
      guest.channel.send({ type: 'join-denied', reason: 'ended' });
      guest.channel.close(CloseCode.turnedAway, 'meeting ended');
    }
    this.dissolve(room, [...participants, ...guests]);
    this.logger.info({ roomId: room.id, participants: participants.length }, 'meeting ended');
  }

  /** Forget a room and everyone in it, without telling anyone (the caller has). */
  private dissolve(room: Room, everyone: Participant[]): void {
    for (const participant of everyone) this.members.delete(participant.id);
    room.participants.clear();
    room.waitingForHost.clear();
    room.lobby.drain();
    if (room.isOpen) this.media.closeRoom(room.id);
    this.registry.remove(room);
  }

  /** The membership of someone admitted to the meeting proper (not knocking, not waiting). */
  inMeeting(participantId: string): Membership {
    const membership = this.members.get(participantId);
    if (!membership?.room.participants.has(participantId)) {
      throw new MeetingError('not-joined', 'Join the meeting first.');
    }
    return membership;
  }

  /** The membership of a moderator; anyone else is refused with `forbidden`. */
  moderator(participantId: string): Membership {
    const membership = this.members.get(participantId);
    if (!membership) throw new MeetingError('not-joined', 'Join the meeting first.');
    if (!membership.participant.isModerator || !membership.room.participants.has(participantId)) {
      throw new MeetingError('forbidden', 'Only a moderator can do this.');
    }
    return membership;
  }

  async publish(participantId: string, sdp: string, tracks: PublishedTrack[]): Promise<string> {
    const { room, participant } = this.inMeeting(participantId);
    const sources = new Set<TrackSource>();
    for (const track of tracks) {
      if (sources.has(track.source)) {
        throw new MeetingError('negotiation-failed', `Only one ${track.source} track can be published.`);
      }
      sources.add(track.source);
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
      if (participant.audioHeld) this.media.setAudioForwarding(room.id, participantId, false);
    }
    room.broadcast({ type: 'participant-updated', participant: participant.info() });
    return answer;
  }

  async subscribe(participantId: string, sdp: string): Promise<string> {
    const { room } = this.inMeeting(participantId);
    return this.negotiate(() => this.media.subscribe(room.id, participantId, sdp));
  }

  async subscriberAnswer(participantId: string, sdp: string): Promise<void> {
    const { room } = this.inMeeting(participantId);
    await this.negotiate(() => this.media.subscriberAnswer(room.id, participantId, sdp));
  }

  /** Ask the room's video publishers for key frames (end-to-end keys changed). */
  requestKeyframes(room: Room): void {
    if (this.registry.find(room.name) === room) this.media.requestKeyframes(room.id);
  }

  /** The size at which the participant shows another's video; the SFU picks the layer from it. */
  setVideoSize(participantId: string, size: Omit<VideoSizeRequest, 'type' | 'id'>): void {
    const { room } = this.inMeeting(participantId);
    this.media.setVideoSize(room.id, participantId, size.participantId, size.source, size.width, size.height);
  }

  /** The participant switches one of their sources off or on; a hard-muted microphone stays off. */
  setMuted(participantId: string, source: TrackSource, muted: boolean): void {
    const { room, participant } = this.inMeeting(participantId);
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
    room.broadcast({ type: 'participant-updated', participant: participant.info() });
  }

  /** Forward the participant's microphone again after a moderator's (soft) mute. */
  private releaseAudio(room: Room, participant: Participant): void {
    if (!participant.audioHeld) return;
    participant.audioHeld = false;
    this.media.setAudioForwarding(room.id, participant.id, true);
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
    for (const room of [...this.registry.rooms()]) {
      const everyone = [
        ...room.participants.values(),
        ...room.lobby.drain(),
        ...room.waitingForHost.values(),
      ];
      for (const participant of everyone) {
        participant.channel.send({ type: 'room-closed', reason: 'server-shutdown' });
        participant.channel.close(CloseCode.serverShutdown, 'server shutting down');
      }
      this.dissolve(room, everyone);
    }
    this.stopWatchingKeys();
  }
}
