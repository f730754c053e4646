import type {
  IceServer,
  JoinResult,
  PublishedTrack,
  TrackSource,
  VideoReceptionMode,
  VideoSizeRequest,
} from '@parley/protocol';
import { Breakouts } from '../features/breakouts/breakouts.js';
import { Chat } from '../features/chat/chat.js';
import { E2eeDelivery } from '../features/e2ee/e2ee-delivery.js';
import { MeetingLife } from '../features/meeting-life/meeting-life.js';
import { Moderation } from '../features/moderation/moderation.js';
import { PollRelay } from '../features/polls/poll-relay.js';
import { MeetingRecording } from '../features/recording/recording.js';
import type { KeptRoomPolicy } from '../kept-rooms/kept-room-store.js';
import type { Logger } from '../logger.js';
import { MediaError } from '../media/media-error.js';
import type { MediaPlane } from '../media/media-plane.js';
import { declareStore } from '../privacy/memory-stores.js';
import { CloseCode } from './close-codes.js';
import { EndedMeetings } from './ended-meetings.js';
import { type InvitationCheck, Invitations, invitationProblem } from './invitations.js';
import { MeetingError } from './meeting-error.js';
import { type Identity, Participant, type ParticipantChannel } from './participant.js';
import { PasswordThrottle } from './password-throttle.js';
import { RESUME_REISSUE_MS, RESUME_TOKEN_MS, ResumeTokens } from './resume-tokens.js';
import type { Room } from './room.js';
import { RoomRegistry, randomId } from './room-registry.js';
import type { RoomStateStore } from './room-snapshot.js';

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
  /** A resume token from an earlier connection (see `resume`). */
  resume?: string | undefined;
  /** A move grant (breakout rooms): straight into that room, once. */
  grant?: string | undefined;
}

export type JoinOutcome = JoinResult['status'];

function tooManyPasswords(wait: number): MeetingError {
  return new MeetingError(
    'rate-limited',
    `Too many wrong passwords. Please wait ${wait} seconds before trying again.`,
    wait,
  );
}

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

/** The kept rooms as meetings need them (kept-rooms/kept-room-store.ts). */
export interface KeptRooms {
  policyFor(roomName: string): Promise<KeptRoomPolicy | null>;
  markOpened(id: string): Promise<void>;
}

/** Bounds on what guests without an account make the server hold (README: PARLEY_WAITING_GUESTS_*, PARLEY_LOBBY_SIZE). */
export interface MeetingLimits {
  waitingPerRoom: number;
  waitingTotal: number;
  lobbySize: number;
}

export const DEFAULT_MEETING_LIMITS: MeetingLimits = {
  waitingPerRoom: 50,
  waitingTotal: 2000,
  lobbySize: 100,
};

/** How long a guest turned away by a full waiting room or lobby is asked to wait before trying again. */
const FULL_RETRY_SECONDS = 30;

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
  /** Poll messages without E2EE, relayed and kept nowhere. */
  readonly polls: PollRelay;
  readonly breakouts: Breakouts;
  readonly recording: MeetingRecording;
  private readonly members = new Map<string, Membership>();
  private readonly throttle: PasswordThrottle;
  private readonly now: () => number;
  private readonly iceTransportPolicy: 'relay' | undefined;
  private readonly stopWatchingKeys: () => void;
  readonly resumeTokens: ResumeTokens;
  /** Meetings a moderator ended: no resume token reopens them. */
  readonly endedMeetings: EndedMeetings;
  private readonly mayReopen: (roomName: string, meetingId: string) => boolean | Promise<boolean>;
  private readonly reissueTimer: NodeJS.Timeout;
  private readonly roomState: RoomStateStore | undefined;
  private readonly limits: MeetingLimits;
  private readonly keptRooms: KeptRooms | undefined;
  /** Emptied meetings, each forgotten when its last resume token expires. */
  private readonly expiries = new Map<Room, NodeJS.Timeout>();

  constructor(
    private readonly media: MediaPlane,
    private readonly logger: Logger,
    private readonly iceServers: () => IceServer[],
    options: MeetingsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.iceTransportPolicy = options.iceTransportPolicy;
    this.roomState = options.roomState;
    this.keptRooms = options.keptRooms;
    this.limits = { ...DEFAULT_MEETING_LIMITS, ...options.limits };
    this.invitations = options.invitations ?? new Invitations(this.now);
    this.throttle = options.passwordThrottle ?? new PasswordThrottle({ now: this.now });
    this.moderation = new Moderation(this, media, this.invitations, logger);
    this.chat = new Chat(this, this.now);
    this.e2ee = new E2eeDelivery(this, this.now);
    this.life = new MeetingLife(this, this.now);
    this.polls = new PollRelay(this);
    this.breakouts = new Breakouts(this, this.now);
    this.recording = new MeetingRecording(this, this.now);
    this.resumeTokens = new ResumeTokens({
      now: this.now,
      ...(options.signingKey ? { key: options.signingKey } : {}),
    });
    this.endedMeetings = new EndedMeetings(this.now);
    this.mayReopen = options.mayReopen ?? (() => true);
    // Tokens live RESUME_TOKEN_MS; renewing at half that keeps every client's token valid.
    this.reissueTimer = setInterval(() => this.reissueResumeTokens(), RESUME_REISSUE_MS);
    this.reissueTimer.unref();
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
    media.on('rooms-lost', ({ roomIds }) => this.restartMedia(new Set(roomIds)));
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
    const kept = this.registry.find(roomName);
    if (kept) this.forgetIfUnused(kept);
    // A kept room decides who may open it and what opening applies: read before any decision.
    const policy = (await this.keptRooms?.policyFor(roomName)) ?? null;
    const restored = await this.restore(roomName);
    if (restored && policy) restored.keptModerators = policy.moderatorIds;
    try {
      const entered = await this.enter(roomName, identity, channel, credentials, policy);
      if (credentials.resume !== undefined && entered.outcome === 'joined')
        this.confirmClearMedia(entered.membership);
      return entered;
    } catch (error) {
      // Nobody got into the meeting this join brought back: it goes again (its state stays kept).
      if (restored) this.registry.removeIfEmpty(restored);
      throw error;
    }
  }

  /**
   * Cluster: a meeting another node hosted continues here with its settings, password and marks
   * (RoomStateStore). Returns the restored room, or null when there was nothing to restore.
   */
  private async restore(roomName: string): Promise<Room | null> {
    if (!this.roomState || this.registry.find(roomName)) return null;
    const state = await this.roomState.load(roomName);
    if (!state || this.registry.find(roomName) || this.endedMeetings.has(state.meetingId)) return null;
    const { room } = this.registry.getOrCreate(roomName);
    room.restore(state);
    // Its tokens were issued elsewhere: kept for as long as any of them may still be valid.
    room.tokensValidUntil = this.now() + RESUME_TOKEN_MS;
    this.logger.info({ roomId: room.id }, 'meeting taken over from another node');
    return room;
  }

  private async enter(
    roomName: string,
    identity: Identity,
    channel: ParticipantChannel,
    credentials: Credentials,
    policy: KeptRoomPolicy | null = null,
  ): Promise<{ membership: Membership; outcome: JoinOutcome }> {
    if (credentials.grant !== undefined) return this.enterByGrant(roomName, identity, channel, credentials);
    if (credentials.resume !== undefined) {
      const resumed = await this.resume(roomName, identity, channel, credentials.resume, credentials.e2ee);
      if (resumed) return resumed;
    }
    if (this.breakouts.isBreakout(roomName))
      throw new MeetingError('forbidden', 'Breakout rooms are entered from their meeting.');
    const screened = this.screen(roomName, identity, credentials.invitation);
    let invitation = screened.invitation;
    const checked = screened.room;
    if (
      ((checked && this.e2ee.stateOf(checked) !== 'off') || (policy?.e2ee && !checked?.isLive)) &&
      credentials.e2ee !== true
    ) {
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
    const found = this.registry.find(roomName);
    // A kept room opens only for its owner and listed moderators; any other account waits like a guest.
    const isHost =
      identity.accountId !== null &&
      identity.mayOpen !== false &&
      (policy === null || policy.moderatorIds.has(identity.accountId));
    if (!found?.isLive && !isHost) this.checkWaitingRoom(found);
    const { room } = this.registry.getOrCreate(roomName);
    const participant = new Participant(randomId(), identity, channel, this.now);
    if (!room.isLive) {
      if (!isHost) {
        if (invitation) this.invitations.consume(invitation);
        this.members.set(participant.id, { room, participant });
        room.waitingForHost.set(participant.id, participant);
        return { membership: { room, participant }, outcome: 'waiting-for-host' };
      }
      if (invitation) this.invitations.consume(invitation);
      this.members.set(participant.id, { room, participant });
      this.reopen(room, participant, policy);
      return { membership: { room, participant }, outcome: 'joined' };
    }
    const knocks =
      room.isRemoved(identity) || (room.lobbyEnabled && !participant.isAccountHolder && invitation === null);
    if (knocks && room.lobby.size >= this.limits.lobbySize) {
      throw new MeetingError(
        'rate-limited',
        'The lobby of this meeting is full. Please try again in a little while.',
        FULL_RETRY_SECONDS,
      );
    }
    if (invitation) this.invitations.consume(invitation);
    const membership = { room, participant };
    this.members.set(participant.id, membership);
    if (knocks) {
      room.lobby.add(participant);
      room.lobbyChanged({ added: [participant] });
      return { membership, outcome: 'lobby' };
    }
    this.admit(room, [participant]);
    return { membership, outcome: 'joined' };
  }

  /**
   * A move between a meeting and its breakout rooms (Breakouts): the one-time grant stands in for
   * name, password, lobby, lock and host; the person keeps their lineage, and their role unless the
   * room they go to knows them otherwise.
   */
  private enterByGrant(
    roomName: string,
    identity: Identity,
    channel: ParticipantChannel,
    credentials: Credentials,
  ): { membership: Membership; outcome: JoinOutcome } {
    const pass = this.breakouts.redeem(credentials.grant ?? '', roomName, identity);
    const present = this.registry.find(roomName);
    if (present && this.e2ee.stateOf(present) !== 'off' && credentials.e2ee !== true)
      throw new MeetingError('e2ee-unsupported', 'This meeting is end-to-end encrypted.');
    if (present?.isRemoved(identity))
      throw new MeetingError('forbidden', 'A moderator removed you from this room.');
    const { room } = this.registry.getOrCreate(roomName);
    const participant = new Participant(randomId(), identity, channel, this.now, pass.lineage);
    const standing = room.standing(pass.lineage);
    participant.role = standing?.role ?? pass.role;
    if (standing?.hardMuted) participant.hardMuted = true;
    const membership = { room, participant };
    this.members.set(participant.id, membership);
    this.breakouts.prepare(room);
    if (room.isLive) this.admit(room, [participant]);
    else this.reopen(room, participant);
    return { membership, outcome: 'joined' };
  }

  /**
   * A guest is about to wait for a host (of `room`, or of a room their join would create): refused
   * when that room or the whole server already holds as many waiting guests as the limits allow, so
   * that joins to ever new room names cannot make the server hold ever more rooms.
   */
  private checkWaitingRoom(room: Room | undefined): void {
    let total = 0;
    for (const each of this.registry.rooms()) total += each.waitingForHost.size;
    if ((room?.waitingForHost.size ?? 0) >= this.limits.waitingPerRoom || total >= this.limits.waitingTotal) {
      throw new MeetingError(
        'rate-limited',
        'Too many people are waiting for a host right now. Please try again in a little while.',
        FULL_RETRY_SECONDS,
      );
    }
  }

  /**
   * An account holder (or a moderator's resume token) opens the meeting, or reopens an emptied one
   * with its settings: the host is admitted with the guests who waited. Guests coming back with a
   * resume token of this meeting come straight in; others meet its lobby and removals as anyone would.
   */
  private reopen(room: Room, host: Participant, policy: KeptRoomPolicy | null = null): void {
    const timer = this.expiries.get(room);
    if (timer) clearTimeout(timer);
    this.expiries.delete(room);
    const reopened = room.isOpen;
    // A kept room's first opening takes over its settings; a reopened one keeps what its moderators set.
    if (policy && !reopened) room.keep(policy);
    if (policy) this.markOpened(policy.id);
    room.open();
    room.takenOver = false;
    this.media.openRoom(room.id);
    this.logger.info({ roomId: room.id }, reopened ? 'meeting reopened' : 'meeting opened');
    const waiting = [...room.waitingForHost.values()];
    room.waitingForHost.clear();
    const admitted = [host];
    const knocking: Participant[] = [];
    for (const guest of waiting) {
      const returning = guest.returningTo === room.meetingId;
      const knocks =
        !returning && (room.isRemoved(guest.identity) || (room.lobbyEnabled && !guest.isAccountHolder));
      (knocks ? knocking : admitted).push(guest);
    }
    this.admit(room, admitted);
    for (const guest of knocking) room.lobby.add(guest);
    if (knocking.length > 0) room.lobbyChanged({ added: knocking });
    // E2EE on from the start: as if the opener had sent `e2ee-enable` (its browser can: checked at join).
    if (policy?.e2ee && !reopened) this.e2ee.enable(host.id);
  }

  /** Keeps the kept room for another retention period; a failed write costs nothing but that. */
  private markOpened(id: string): void {
    this.keptRooms?.markOpened(id).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not record the opening of a kept room');
    });
  }

  /**
   * Someone whose connection dropped comes back with their resume token: straight into the meeting
   * with the role the token names — no password, lobby, lock or waiting for a host. When nobody is in
   * the meeting here any more (the server restarted), the token reopens it. Returns null when the
   * token does not hold — forged, expired, someone else's, an earlier or ended meeting, its holder
   * removed, or no E2EE support for an encrypted meeting: the caller then goes on with a normal join.
   */
  private async resume(
    roomName: string,
    identity: Identity,
    channel: ParticipantChannel,
    token: string,
    e2ee: boolean | undefined,
  ): Promise<{ membership: Membership; outcome: JoinOutcome } | null> {
    const claim = this.resumeTokens.verify(token, roomName);
    if (!claim || claim.accountId !== identity.accountId || claim.clientKey !== identity.clientKey)
      return null;
    if (this.endedMeetings.has(claim.meetingId)) return null;
    if (!this.registry.find(roomName)?.isOpen) {
      if (!(await this.mayReopen(roomName, claim.meetingId))) return null;
      if (this.endedMeetings.has(claim.meetingId)) return null;
    }
    // From here on nothing awaits.
    const present = this.registry.find(roomName);
    if (present?.isOpen && present.meetingId !== claim.meetingId) return null;
    // What the meeting knows of this person now wins over what their (possibly older) token says.
    const standing = present?.isOpen ? present.standing(claim.lineage) : undefined;
    if (standing?.removed || present?.isRemoved(identity)) return null;
    if (present && this.e2ee.stateOf(present) !== 'off' && e2ee !== true) return null;
    const role = standing?.role ?? claim.role;
    // Only a moderator reopens a meeting everyone left; anyone else waits for one, as a returner. A
    // meeting taken over from another node (its settings restored) did not empty: anyone may resume it.
    const reopens = role === 'moderator' || present?.takenOver === true;
    if (!present?.isLive && !reopens) this.checkWaitingRoom(present);
    // The server may not have noticed the old connection drop yet: it goes, the new one takes over
    // (the meeting does not count as emptied meanwhile, even if they were the only one in it).
    const stale = present?.participants.get(claim.participantId);
    let replaced = false;
    if (
      stale &&
      stale.identity.clientKey === identity.clientKey &&
      stale.identity.accountId === identity.accountId
    ) {
      stale.channel.close(CloseCode.replaced, 'resumed on a new connection');
      this.leave(stale.id, { replaced: true });
      replaced = true;
    }
    const { room } = this.registry.getOrCreate(roomName);
    const participant = new Participant(randomId(), identity, channel, this.now, claim.lineage);
    participant.role = role;
    if (standing?.hardMuted) {
      participant.hardMuted = true;
      participant.audioHeld = true;
    }
    const membership = { room, participant };
    this.members.set(participant.id, membership);
    if (room.isLive) {
      this.admit(room, [participant]);
    } else if (reopens || replaced) {
      if (!room.isOpen) room.meetingId = claim.meetingId;
      this.reopen(room, participant);
    } else {
      participant.returningTo = claim.meetingId;
      room.waitingForHost.set(participant.id, participant);
      return { membership, outcome: 'waiting-for-host' };
    }
    return { membership, outcome: 'joined' };
  }

  /**
   * Someone coming back was encrypting before; a meeting that is no longer encrypted (e.g. the server
   * restarted and forgot) sends no `e2ee-state` of its own, so they are told it is off — their app
   * holds its media until it knows, and shows that encryption went off.
   */
  private confirmClearMedia({ room, participant }: Membership): void {
    if (this.e2ee.stateOf(room) === 'off')
      participant.channel.send({ type: 'e2ee-state', state: 'off', by: null });
  }

  /** A fresh resume token for a participant of the meeting (role and meeting as they are now). */
  resumeTokenFor(room: Room, participant: Participant): string {
    room.tokensValidUntil = Math.max(room.tokensValidUntil, this.now() + RESUME_TOKEN_MS);
    return this.resumeTokens.issue(room.name, {
      meetingId: room.meetingId,
      participantId: participant.id,
      lineage: participant.lineage,
      role: participant.role,
      accountId: participant.identity.accountId,
      clientKey: participant.identity.clientKey,
    });
  }

  /** Send a participant a fresh resume token (their role changed, or the old one ages). */
  sendResumeToken(room: Room, participant: Participant): void {
    participant.channel.send({ type: 'resume-token', token: this.resumeTokenFor(room, participant) });
  }

  private reissueResumeTokens(): void {
    for (const room of this.registry.rooms()) {
      for (const participant of room.participants.values()) this.sendResumeToken(room, participant);
    }
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
    if (password === undefined || password === '') {
      const wait = this.throttle.waitSeconds(identity.addressKey ?? 'no-address');
      if (wait > 0) throw tooManyPasswords(wait);
      throw new MeetingError(
        'password-required',
        'This meeting is protected by a password. Please enter it.',
      );
    }
    const key = identity.addressKey ?? 'no-address';
    if (this.throttle.waitSeconds(key) > 0) throw tooManyPasswords(this.throttle.waitSeconds(key));
    // Each check is a 16 MiB scrypt on the shared thread pool: only a few at once per meeting.
    if (!room.password.startCheck()) {
      throw new MeetingError(
        'rate-limited',
        'Too many people are entering this password right now. Please try again in a moment.',
        1,
      );
    }
    // The attempt counts as wrong before the (slow) check starts: parallel guesses cannot slip past.
    const attempt = this.throttle.reserve(key);
    if (!attempt.allowed) {
      room.password.endCheck();
      throw tooManyPasswords(attempt.wait);
    }
    let right = false;
    try {
      right = await room.password.matches(password);
    } finally {
      room.password.endCheck();
      this.throttle.release(key, right);
    }
    if (right) return;
    const next = attempt.waitAfterFailure;
    throw new MeetingError(
      'wrong-password',
      next > 0
        ? `That password is not right. Too many wrong passwords: please wait ${next} seconds before trying again.`
        : 'That password is not right. Please check it and try again.',
      next > 0 ? next : undefined,
    );
  }

  /**
   * The media plane lost these rooms (a media worker failed): open each meeting still here again,
   * register its participants anew, and have every browser connect its media again (`media-restart`).
   * Signaling, roles and meeting state are untouched; an audio hold is applied again when they publish.
   */
  private restartMedia(roomIds: Set<string>): void {
    for (const room of this.registry.rooms()) {
      if (!roomIds.has(room.id) || !room.isLive) continue;
      this.media.openRoom(room.id);
      for (const participant of room.participants.values())
        this.media.addParticipant(room.id, participant.id);
      this.logger.warn(
        { roomId: room.id, participants: room.participants.size },
        'media restarted for a meeting',
      );
      room.broadcast({ type: 'media-restart' });
    }
  }

  /** Admit people into the meeting proper: tell the others, start their media, send them `joined`. */
  private admit(room: Room, newcomers: Participant[]): void {
    for (const newcomer of newcomers) {
      // Hard-muted earlier in this meeting (another connection, a fresh join): still hard-muted.
      if (room.isHardMuted(newcomer.identity)) newcomer.hardMuted = true;
      if (newcomer.hardMuted) newcomer.audioHeld = true;
      room.addParticipant(newcomer);
    }
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
    if (participant.audioHeld) this.media.setAudioForwarding(room.id, participant.id, false);
    participant.channel.send({
      type: 'joined',
      self: participant.info(),
      participants: room.otherParticipants(participant.id).map((p) => p.info()),
      iceServers: this.iceServers(),
      iceTransportPolicy: this.iceTransportPolicy,
      settings: room.settings,
      chatHistory: room.chatHistory.earlier(),
      resumeToken: this.resumeTokenFor(room, participant),
    });
    this.life.welcome(room, participant);
    this.breakouts.welcome(room, participant);
    this.recording.welcome(room, participant);
    if (participant.hardMuted) participant.channel.send({ type: 'muted-by-moderator', hard: true });
    if (participant.isModerator && room.lobby.size > 0) {
      participant.channel.send({ type: 'lobby-updated', entries: room.lobby.entries() });
    }
    this.e2ee.joined(room, participant.id);
  }

  /** A moderator lets a knocking guest in. */
  admitFromLobby(room: Room, participant: Participant): void {
    room.lobby.remove(participant.id);
    room.lobbyChanged({ removed: [participant.id] });
    this.admit(room, [participant]);
  }

  /** A knocking guest is turned away (denied, meeting locked): they are told why, then disconnected. */
  turnAway(room: Room, participant: Participant, reason: 'denied' | 'locked'): void {
    if (room.remove(participant.id) !== 'lobby') return;
    this.members.delete(participant.id);
    participant.channel.send({ type: 'join-denied', reason });
    participant.channel.close(CloseCode.turnedAway, `join ${reason}`);
    room.lobbyChanged({ removed: [participant.id] });
  }

  /** A moderator removed a participant: they are told, disconnected at once, and everyone else sees them leave. */
  removeFromMeeting(participant: Participant): void {
    participant.channel.send({ type: 'removed' });
    participant.channel.close(CloseCode.removed, 'removed by a moderator');
    this.leave(participant.id);
  }

  /** `replaced`: a resume takes their place at once, so the meeting does not rest if they were the last. */
  leave(participantId: string, { replaced = false }: { replaced?: boolean } = {}): void {
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
      this.recording.forget(room, participantId);
      if (room.participants.size === 0 && !replaced) {
        this.rest(room);
        this.breakouts.emptied(room);
      }
    } else if (place === 'lobby') {
      room.lobbyChanged({ removed: [participantId] });
    }
    if (!replaced) this.forgetIfUnused(room);
  }

  /**
   * Everyone admitted has left: the guests still knocking are turned away (nobody is left to admit
   * them), the media stop, and the meeting waits — settings, password, lock, removals and standings
   * kept — until its last resume token expires; only a moderator's token reopens it meanwhile.
   */
  private rest(room: Room): void {
    for (const guest of room.lobby.drain()) {
      this.members.delete(guest.id);
      guest.channel.send({ type: 'join-denied', reason: 'ended' });
      guest.channel.close(CloseCode.turnedAway, 'meeting ended');
    }
    this.media.closeRoom(room.id);
    const left = room.tokensValidUntil - this.now();
    if (left <= 0) return;
    this.logger.info({ roomId: room.id }, 'meeting emptied: kept until its resume tokens expire');
    const timer = setTimeout(() => {
      this.expiries.delete(room);
      this.forgetIfUnused(room);
    }, left + 1000);
    timer.unref();
    this.expiries.set(room, timer);
  }

  /** Forget a room nobody is in or waiting for, unless it is an emptied meeting whose tokens still live. */
  forgetIfUnused(room: Room): void {
    if (!room.isEmpty) return;
    // A meeting whose breakout rooms are open (or someone is on their way in) stays, empty or not.
    if (this.breakouts.keeps(room)) return;
    if (room.isOpen && room.tokensValidUntil > this.now()) return;
    if (!this.registry.removeIfEmpty(room)) return;
    const timer = this.expiries.get(room);
    if (timer) clearTimeout(timer);
    this.expiries.delete(room);
    this.roomState?.remove(room.name);
    if (room.isOpen) this.logger.info({ roomId: room.id }, 'meeting ended');
  }

  /**
   * End the meeting for everyone: participants get `room-closed`, knocking and waiting guests
   * `join-denied`, every connection closes and the room with all it kept is forgotten.
   */
  end(room: Room, { byModerator = true }: { byModerator?: boolean } = {}): void {
    // Nobody may reopen it with a resume token (a meeting nobody is left in may come back that way).
    if (byModerator) this.endedMeetings.add(room.meetingId);
    this.breakouts.ended(room);
    this.roomState?.remove(room.name, byModerator ? room.meetingId : undefined);
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
    const timer = this.expiries.get(room);
    if (timer) clearTimeout(timer);
    this.expiries.delete(room);
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
      if (participant.audioHeld) this.media.setAudioForwarding(room.id, participantId, false);
    }
    this.speakerStateChanged(room, participant);
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
    if (this.registry.find(room.name) === room && room.isLive) this.media.requestKeyframes(room.id);
  }

  /** The size at which the participant shows another's video; the SFU picks the layer from it. */
  setVideoSize(participantId: string, size: Omit<VideoSizeRequest, 'type' | 'id'>): void {
    const { room } = this.inMeeting(participantId);
    this.media.setVideoSize(room.id, participantId, size.participantId, size.source, size.width, size.height);
  }

  /** How much of the others' video the participant receives (low-data mode); the SFU applies it. */
  setVideoReception(participantId: string, mode: VideoReceptionMode): void {
    const { room } = this.inMeeting(participantId);
    this.media.setVideoReception(room.id, participantId, mode);
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
    this.media.setAudioForwarding(room.id, participant.id, true);
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
      this.logger.debug({ err: error }, 'negotiation failed');
      throw new MeetingError(
        'negotiation-failed',
        'The media connection could not be set up. Please try again, or reload the page.',
      );
    }
  }

  /** Counts for health checks and tests: no names. */
  counts(): { rooms: number; participants: number } {
    return { rooms: this.registry.size, participants: this.members.size };
  }

  /**
   * Cluster drain: every connection closes with `node-draining` and no ending event, so the apps
   * resume on the node that takes each meeting over; this node then forgets the meetings. The rooms'
   * kept state stays (the cluster stops removing it while draining).
   */
  handOver(rooms: Room[] = [...this.registry.rooms()]): void {
    for (const room of rooms) {
      const everyone = [
        ...room.participants.values(),
        ...room.lobby.drain(),
        ...room.waitingForHost.values(),
      ];
      for (const participant of everyone) participant.channel.close(CloseCode.nodeDraining, 'node-draining');
      this.dissolve(room, everyone);
    }
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
    clearInterval(this.reissueTimer);
  }
}
