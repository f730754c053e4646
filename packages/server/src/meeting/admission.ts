import type { Role } from '@parley/protocol';
import type { KeptRoomPolicy } from '../kept-rooms/kept-room-store.js';
import type { Logger } from '../logger.js';
import type { EndedMeetings } from './ended-meetings.js';
import { type InvitationCheck, type Invitations, invitationProblem } from './invitations.js';
import type { MeetingLifecycle } from './lifecycle.js';
import type { Membership } from './meeting-access.js';
import { MeetingError } from './meeting-error.js';
import { type Identity, Participant, type ParticipantChannel } from './participant.js';
import type { PasswordThrottle } from './password-throttle.js';
import { RESUME_TOKEN_MS } from './resume-tokens.js';
import type { JoinOutcome, Resumption } from './resumption.js';
import type { Room } from './room.js';
import { type RoomRegistry, randomId } from './room-registry.js';
import type { RoomStateStore } from './room-snapshot.js';
import type { Roster } from './roster.js';
import { checkLobby, checkWaitingRoom, type MeetingLimits } from './waiting-limits.js';

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

/** The kept rooms as meetings need them (kept-rooms/kept-room-store.ts). */
export interface KeptRooms {
  policyFor(roomName: string): Promise<KeptRoomPolicy | null>;
  markOpened(id: string): Promise<void>;
}

/** Moves between a meeting and its breakout rooms, as admission needs them (features/breakouts). */
export interface BreakoutPasses {
  isBreakout(roomName: string): boolean;
  /** Checks and spends a move grant; throws a MeetingError when it does not hold. */
  redeem(grant: string, roomName: string, identity: Identity): { lineage: string; role: Role };
  /** A breakout room is about to take someone in. */
  prepare(room: Room): void;
}

export interface AdmissionDeps {
  registry: RoomRegistry;
  roster: Roster;
  lifecycle: MeetingLifecycle;
  resumption: Resumption;
  invitations: Invitations;
  throttle: PasswordThrottle;
  breakouts: BreakoutPasses;
  endedMeetings: EndedMeetings;
  limits: MeetingLimits;
  keptRooms: KeptRooms | undefined;
  roomState: RoomStateStore | undefined;
  now: () => number;
  logger: Logger;
  isEncrypted(room: Room): boolean;
}

type ValidInvitation = Extract<InvitationCheck, { valid: true }>;
type Entered = { membership: Membership; outcome: JoinOutcome };

function tooManyPasswords(wait: number): MeetingError {
  return new MeetingError(
    'rate-limited',
    `Too many wrong passwords. Please wait ${wait} seconds before trying again.`,
    wait,
  );
}

/**
 * Who gets in, and where to: the meeting proper, its lobby, or waiting for a host. Decides by
 * invitation, lock, password, host, lobby, removals, resume token and move grant (docs/architecture.md,
 * "Who gets in"); what happens once someone is in is lifecycle.ts's.
 */
export class Admission {
  constructor(private readonly deps: AdmissionDeps) {}

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
  ): Promise<Entered> {
    const { registry, lifecycle } = this.deps;
    const kept = registry.find(roomName);
    if (kept) lifecycle.forgetIfUnused(kept);
    // A kept room decides who may open it and what opening applies: read before any decision.
    const policy = (await this.deps.keptRooms?.policyFor(roomName)) ?? null;
    const restored = await this.restore(roomName);
    if (restored && policy) restored.keptModerators = policy.moderatorIds;
    try {
      const entered = await this.enter(roomName, identity, channel, credentials, policy);
      if (credentials.resume !== undefined && entered.outcome === 'joined')
        this.confirmClearMedia(entered.membership);
      return entered;
    } catch (error) {
      // Nobody got into the meeting this join brought back: it goes again (its state stays kept).
      if (restored) registry.removeIfEmpty(restored);
      throw error;
    }
  }

  /**
   * Cluster: a meeting another node hosted continues here with its settings, password and marks
   * (RoomStateStore). Returns the restored room, or null when there was nothing to restore.
   */
  private async restore(roomName: string): Promise<Room | null> {
    const { registry, roomState } = this.deps;
    if (!roomState || registry.find(roomName)) return null;
    const state = await roomState.load(roomName);
    if (!state || registry.find(roomName) || this.deps.endedMeetings.has(state.meetingId)) return null;
    const { room } = registry.getOrCreate(roomName);
    room.restore(state);
    // Its tokens were issued elsewhere: kept for as long as any of them may still be valid.
    room.tokensValidUntil = this.deps.now() + RESUME_TOKEN_MS;
    this.deps.logger.info({ roomId: room.id }, 'meeting taken over from another node');
    return room;
  }

  private async enter(
    roomName: string,
    identity: Identity,
    channel: ParticipantChannel,
    credentials: Credentials,
    policy: KeptRoomPolicy | null = null,
  ): Promise<Entered> {
    const { registry, lifecycle, invitations } = this.deps;
    if (credentials.grant !== undefined) return this.enterByGrant(roomName, identity, channel, credentials);
    if (credentials.resume !== undefined) {
      const resumed = await this.deps.resumption.resume(
        roomName,
        identity,
        channel,
        credentials.resume,
        credentials.e2ee,
      );
      if (resumed) return resumed;
    }
    if (this.deps.breakouts.isBreakout(roomName))
      throw new MeetingError('forbidden', 'Breakout rooms are entered from their meeting.');
    const screened = this.screen(roomName, identity, credentials.invitation);
    let invitation = screened.invitation;
    const checked = screened.room;
    if (
      ((checked && this.deps.isEncrypted(checked)) || (policy?.e2ee && !checked?.isLive)) &&
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
      if (registry.find(roomName) !== checked) return this.join(roomName, identity, channel, credentials);
      invitation = this.screen(roomName, identity, credentials.invitation).invitation;
    }
    // From here on nothing awaits: the decision and its effects happen at once.
    const found = registry.find(roomName);
    // A kept room opens only for its owner and listed moderators; any other account waits like a guest.
    const isHost =
      identity.accountId !== null &&
      identity.mayOpen !== false &&
      (policy === null || policy.moderatorIds.has(identity.accountId));
    if (!found?.isLive && !isHost) checkWaitingRoom(registry, found, this.deps.limits);
    const { room } = registry.getOrCreate(roomName);
    const participant = new Participant(randomId(), identity, channel, this.deps.now);
    const membership = { room, participant };
    if (!room.isLive) {
      if (invitation) invitations.consume(invitation);
      this.deps.roster.add(membership);
      if (!isHost) {
        room.waitingForHost.set(participant.id, participant);
        return { membership, outcome: 'waiting-for-host' };
      }
      lifecycle.reopen(room, participant, policy);
      return { membership, outcome: 'joined' };
    }
    const knocks =
      room.isRemoved(identity) || (room.lobbyEnabled && !participant.isAccountHolder && invitation === null);
    if (knocks) checkLobby(room, this.deps.limits);
    if (invitation) invitations.consume(invitation);
    this.deps.roster.add(membership);
    if (knocks) {
      room.lobby.add(participant);
      room.lobbyChanged({ added: [participant] });
      return { membership, outcome: 'lobby' };
    }
    lifecycle.admit(room, [participant]);
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
  ): Entered {
    const { registry, lifecycle } = this.deps;
    const pass = this.deps.breakouts.redeem(credentials.grant ?? '', roomName, identity);
    const present = registry.find(roomName);
    if (present && this.deps.isEncrypted(present) && credentials.e2ee !== true)
      throw new MeetingError('e2ee-unsupported', 'This meeting is end-to-end encrypted.');
    if (present?.isRemoved(identity))
      throw new MeetingError('forbidden', 'A moderator removed you from this room.');
    const { room } = registry.getOrCreate(roomName);
    const participant = new Participant(randomId(), identity, channel, this.deps.now, pass.lineage);
    const standing = room.standing(pass.lineage);
    participant.role = standing?.role ?? pass.role;
    if (standing?.hardMuted) participant.hardMuted = true;
    const membership = { room, participant };
    this.deps.roster.add(membership);
    this.deps.breakouts.prepare(room);
    if (room.isLive) lifecycle.admit(room, [participant]);
    else lifecycle.reopen(room, participant);
    return { membership, outcome: 'joined' };
  }

  /**
   * Someone coming back was encrypting before; a meeting that is no longer encrypted (e.g. the server
   * restarted and forgot) sends no `e2ee-state` of its own, so they are told it is off — their app
   * holds its media until it knows, and shows that encryption went off.
   */
  private confirmClearMedia({ room, participant }: Membership): void {
    if (!this.deps.isEncrypted(room))
      participant.channel.send({ type: 'e2ee-state', state: 'off', by: null });
  }

  /** The checks that need no waiting: a given invitation must be valid; a locked meeting keeps newcomers out. */
  private screen(
    roomName: string,
    identity: Identity,
    token: string | undefined,
  ): { room: Room | undefined; invitation: ValidInvitation | null } {
    let invitation: ValidInvitation | null = null;
    if (token !== undefined) {
      const check = this.deps.invitations.check(token, roomName);
      if (!check.valid) throw new MeetingError('invalid-invitation', invitationProblem(check.reason));
      invitation = check;
    }
    const room = this.deps.registry.find(roomName);
    if (room?.isOpen && room.keepsOut(identity)) {
      throw new MeetingError('locked', 'This meeting is locked: nobody new can join.');
    }
    return { room, invitation };
  }

  private async checkPassword(room: Room, identity: Identity, password: string | undefined): Promise<void> {
    const { throttle } = this.deps;
    const key = identity.addressKey ?? 'no-address';
    if (password === undefined || password === '') {
      const wait = throttle.waitSeconds(key);
      if (wait > 0) throw tooManyPasswords(wait);
      throw new MeetingError(
        'password-required',
        'This meeting is protected by a password. Please enter it.',
      );
    }
    if (throttle.waitSeconds(key) > 0) throw tooManyPasswords(throttle.waitSeconds(key));
    // Each check is a 16 MiB scrypt on the shared thread pool: only a few at once per meeting.
    if (!room.password.startCheck()) {
      throw new MeetingError(
        'rate-limited',
        'Too many people are entering this password right now. Please try again in a moment.',
        1,
      );
    }
    // The attempt counts as wrong before the (slow) check starts: parallel guesses cannot slip past.
    const attempt = throttle.reserve(key);
    if (!attempt.allowed) {
      room.password.endCheck();
      throw tooManyPasswords(attempt.wait);
    }
    let right = false;
    try {
      right = await room.password.matches(password);
    } finally {
      room.password.endCheck();
      throttle.release(key, right);
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
}
