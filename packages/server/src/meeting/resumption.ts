import type { JoinResult } from '@parley/protocol';
import { CloseCode } from '@parley/protocol';
import type { EndedMeetings } from './ended-meetings.js';
import type { MeetingLifecycle } from './lifecycle.js';
import type { Membership } from './meeting-access.js';
import { type Identity, Participant, type ParticipantChannel } from './participant.js';
import { RESUME_REISSUE_MS, RESUME_TOKEN_MS, type ResumeTokens } from './resume-tokens.js';
import type { Room } from './room.js';
import { type RoomRegistry, randomId } from './room-registry.js';
import type { Roster } from './roster.js';
import { checkWaitingRoom, type MeetingLimits } from './waiting-limits.js';

export type JoinOutcome = JoinResult['status'];

export interface ResumptionDeps {
  registry: RoomRegistry;
  roster: Roster;
  lifecycle: MeetingLifecycle;
  tokens: ResumeTokens;
  endedMeetings: EndedMeetings;
  limits: MeetingLimits;
  now: () => number;
  /** See MeetingsOptions.mayReopen. */
  mayReopen: (roomName: string, meetingId: string) => boolean | Promise<boolean>;
  isEncrypted(room: Room): boolean;
}

/**
 * Resume tokens: each participant holds one, renewed as it ages or as their role changes, and comes
 * back with it after a dropped connection or a server restart — straight in, with their role.
 */
export class Resumption {
  private readonly reissueTimer: NodeJS.Timeout;

  constructor(private readonly deps: ResumptionDeps) {
    // Tokens live RESUME_TOKEN_MS; renewing at half that keeps every client's token valid.
    this.reissueTimer = setInterval(() => this.reissueAll(), RESUME_REISSUE_MS);
    this.reissueTimer.unref();
  }

  /** A fresh resume token for a participant of the meeting (role and meeting as they are now). */
  tokenFor(room: Room, participant: Participant): string {
    room.tokensValidUntil = Math.max(room.tokensValidUntil, this.deps.now() + RESUME_TOKEN_MS);
    return this.deps.tokens.issue(room.name, {
      meetingId: room.meetingId,
      participantId: participant.id,
      lineage: participant.lineage,
      role: participant.role,
      accountId: participant.identity.accountId,
      clientKey: participant.identity.clientKey,
    });
  }

  /** Send a participant a fresh resume token (their role changed, or the old one ages). */
  sendToken(room: Room, participant: Participant): void {
    participant.channel.send({ type: 'resume-token', token: this.tokenFor(room, participant) });
  }

  private reissueAll(): void {
    for (const room of this.deps.registry.rooms()) {
      for (const participant of room.participants.values()) this.sendToken(room, participant);
    }
  }

  stop(): void {
    clearInterval(this.reissueTimer);
  }

  /**
   * Someone whose connection dropped comes back with their resume token: straight into the meeting
   * with the role the token names — no password, lobby, lock or waiting for a host. When nobody is in
   * the meeting here any more (the server restarted), the token reopens it. Returns null when the
   * token does not hold — forged, expired, someone else's, an earlier or ended meeting, its holder
   * removed, or no E2EE support for an encrypted meeting: the caller then goes on with a normal join.
   */
  async resume(
    roomName: string,
    identity: Identity,
    channel: ParticipantChannel,
    token: string,
    e2ee: boolean | undefined,
  ): Promise<{ membership: Membership; outcome: JoinOutcome } | null> {
    const { registry, endedMeetings, lifecycle } = this.deps;
    const claim = this.deps.tokens.verify(token, roomName);
    if (!claim || claim.accountId !== identity.accountId || claim.clientKey !== identity.clientKey)
      return null;
    if (endedMeetings.has(claim.meetingId)) return null;
    if (!registry.find(roomName)?.isOpen) {
      if (!(await this.deps.mayReopen(roomName, claim.meetingId))) return null;
      if (endedMeetings.has(claim.meetingId)) return null;
    }
    // From here on nothing awaits.
    const present = registry.find(roomName);
    if (present?.isOpen && present.meetingId !== claim.meetingId) return null;
    // What the meeting knows of this person now wins over what their (possibly older) token says.
    const standing = present?.isOpen ? present.standing(claim.lineage) : undefined;
    if (standing?.removed || present?.isRemoved(identity)) return null;
    if (present && this.deps.isEncrypted(present) && e2ee !== true) return null;
    const role = standing?.role ?? claim.role;
    // Only a moderator reopens a meeting everyone left; anyone else waits for one, as a returner. A
    // meeting taken over from another node (its settings restored) did not empty: anyone may resume it.
    const reopens = role === 'moderator' || present?.takenOver === true;
    if (!present?.isLive && !reopens) checkWaitingRoom(registry, present, this.deps.limits);
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
      lifecycle.leave(stale.id, { replaced: true });
      replaced = true;
    }
    const { room } = registry.getOrCreate(roomName);
    const participant = new Participant(randomId(), identity, channel, this.deps.now, claim.lineage);
    participant.role = role;
    if (standing?.hardMuted) {
      participant.hardMuted = true;
      participant.audioHeld = true;
    }
    const membership = { room, participant };
    this.deps.roster.add(membership);
    if (room.isLive) {
      lifecycle.admit(room, [participant]);
    } else if (reopens || replaced) {
      if (!room.isOpen) room.meetingId = claim.meetingId;
      lifecycle.reopen(room, participant);
    } else {
      participant.returningTo = claim.meetingId;
      room.waitingForHost.set(participant.id, participant);
      return { membership, outcome: 'waiting-for-host' };
    }
    return { membership, outcome: 'joined' };
  }
}
