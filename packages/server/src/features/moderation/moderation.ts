import type { InvitationResult, Role } from '@parley/protocol';
import type { MediaPlane } from '@parley/sfu';
import type { Logger } from '../../logger.js';
import type { Invitations } from '../../meeting/invitations.js';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Participant } from '../../meeting/participant.js';
import type { Room } from '../../meeting/room.js';

/** What moderation needs of the meetings besides the common access (filled in by meetings.ts). */
export interface ModerationAccess extends MeetingAccess {
  admitFromLobby(room: Room, participant: Participant): void;
  turnAway(room: Room, participant: Participant, reason: 'denied' | 'locked'): void;
  removeFromMeeting(participant: Participant): void;
  end(room: Room): void;
  /** The SFU's speaker ranking follows a changed role. */
  speakerStateChanged(room: Room, participant: Participant): void;
  /** A changed role is carried by a fresh resume token. */
  sendResumeToken(room: Room, participant: Participant): void;
}

/**
 * What moderators do to a meeting: password, lobby, lock, invitations, removing and muting people,
 * roles, ending it. Every command first looks the actor up as a moderator (anyone else gets
 * `forbidden` before anything is read or changed); `requestUnmute` is the one request for everyone.
 */
export class Moderation {
  constructor(
    private readonly access: ModerationAccess,
    private readonly media: MediaPlane,
    private readonly invitations: Invitations,
    private readonly logger: Logger,
  ) {}

  /** Set, change (a string) or remove (null) the password; it applies to people who join afterwards. */
  async setPassword(actorId: string, password: string | null): Promise<void> {
    const { room } = this.access.moderator(actorId);
    await room.password.set(password);
    room.broadcastSettings();
  }

  /** Switching the lobby off admits nobody: the guests knocking stay until a moderator decides. */
  setLobby(actorId: string, enabled: boolean): void {
    const { room } = this.access.moderator(actorId);
    if (room.lobbyEnabled === enabled) return;
    room.lobbyEnabled = enabled;
    room.broadcastSettings();
  }

  admit(actorId: string, entryId: string): void {
    const { room } = this.access.moderator(actorId);
    this.access.admitFromLobby(room, this.knocking(room, entryId));
  }

  deny(actorId: string, entryId: string): void {
    const { room } = this.access.moderator(actorId);
    this.access.turnAway(room, this.knocking(room, entryId), 'denied');
  }

  /** Locking also turns away the guests knocking who could not get in now. */
  setLocked(actorId: string, locked: boolean): void {
    const { room } = this.access.moderator(actorId);
    if (room.locked === locked) return;
    room.locked = locked;
    room.broadcastSettings();
    if (!locked) return;
    for (const entry of room.lobby.entries()) {
      const guest = room.lobby.get(entry.id);
      if (guest && room.keepsOut(guest.identity)) this.access.turnAway(room, guest, 'locked');
    }
  }

  /** `origin` is the page origin the moderator's browser used, so the link works for the people they give it to. */
  createInvitation(
    actorId: string,
    origin: string | null,
    options: { expiresInSeconds?: number | undefined; singleUse?: boolean | undefined },
  ): InvitationResult {
    const { room } = this.access.moderator(actorId);
    const invitation = this.invitations.create(room.name, {
      ...(options.expiresInSeconds !== undefined ? { expiresInSeconds: options.expiresInSeconds } : {}),
      ...(options.singleUse !== undefined ? { singleUse: options.singleUse } : {}),
    });
    const path = `/room/${encodeURIComponent(room.name)}?invite=${encodeURIComponent(invitation.token)}`;
    return { url: `${origin ?? ''}${path}`, ...invitation };
  }

  revokeInvitations(actorId: string): void {
    const { room } = this.access.moderator(actorId);
    this.invitations.revokeAll(room.name);
  }

  /** Remove a participant: they cannot come back on their own, only through the lobby. */
  kick(actorId: string, targetId: string): void {
    const { room } = this.access.moderator(actorId);
    const target = this.participant(room, targetId);
    if (target.id === actorId) {
      throw new MeetingError('bad-request', 'You cannot remove yourself; leave the meeting instead.');
    }
    room.removals.add(target.identity);
    // Their lineage too: no resume token of theirs gets them back, whatever address or key they use.
    room.standings.update(target.lineage, { removed: true });
    this.access.removeFromMeeting(target);
    this.logger.info({ roomId: room.id }, 'participant removed by a moderator');
  }

  mute(actorId: string, targetId: string, hard: boolean): void {
    const { room } = this.access.moderator(actorId);
    this.silence(room, this.participant(room, targetId), hard);
  }

  /** Mute everyone but the moderators. */
  muteAll(actorId: string, hard: boolean): void {
    const { room } = this.access.moderator(actorId);
    for (const participant of [...room.participants.values()]) {
      if (!participant.isModerator) this.silence(room, participant, hard);
    }
  }

  /** Lift a hard mute: the participant may unmute themselves again (the server does not unmute anyone). */
  allowUnmute(actorId: string, targetId: string): void {
    const { room } = this.access.moderator(actorId);
    const target = this.participant(room, targetId);
    if (!target.hardMuted && !target.unmuteRequested) return;
    target.hardMuted = false;
    target.unmuteRequested = false;
    room.standings.update(target.lineage, { hardMuted: false });
    room.forgetHardMuted(target.identity);
    target.channel.send({ type: 'unmute-allowed' });
    room.broadcast({ type: 'participant-updated', participant: target.info() });
  }

  /** A hard-muted participant asks the moderators to be allowed to unmute (everyone sees the raised request). */
  requestUnmute(actorId: string): void {
    const { room, participant } = this.access.inMeeting(actorId);
    if (!participant.hardMuted) {
      throw new MeetingError(
        'bad-request',
        'Nobody has muted you with "ask to unmute"; you can unmute yourself.',
      );
    }
    if (participant.unmuteRequested) return;
    participant.unmuteRequested = true;
    room.broadcast({ type: 'participant-updated', participant: participant.info() });
  }

  setRole(actorId: string, targetId: string, role: Role): void {
    const { room } = this.access.moderator(actorId);
    const target = this.participant(room, targetId);
    if (target.role === role) return;
    if (role === 'participant' && room.moderators().length <= 1) {
      throw new MeetingError(
        'last-moderator',
        'The meeting needs at least one moderator: make someone else a moderator first.',
      );
    }
    target.role = role;
    this.access.speakerStateChanged(room, target);
    // Kept by lineage: an older resume token (issued before a demotion) cannot bring the role back.
    room.standings.update(target.lineage, { role });
    room.broadcast({ type: 'participant-updated', participant: target.info() });
    // Their resume token must carry the new role: a reconnect must neither keep nor lose it.
    this.access.sendResumeToken(room, target);
    if (role === 'moderator' && room.lobby.size > 0) {
      target.channel.send({ type: 'lobby-updated', entries: room.lobby.entries() });
    }
  }

  endMeeting(actorId: string): void {
    const { room } = this.access.moderator(actorId);
    this.logger.info({ roomId: room.id }, 'meeting ended by a moderator');
    this.access.end(room);
  }

  /**
   * Stop forwarding the participant's microphone and tell them; `hard`: they must ask before
   * unmuting. A soft mute never lifts an earlier hard one.
   */
  private silence(room: Room, target: Participant, hard: boolean): void {
    target.audioHeld = true;
    this.media.setAudioHeld(room.id, target.id, true);
    target.setMuted('mic', true);
    if (hard) {
      target.hardMuted = true;
      // It holds across reconnects: by lineage (resume) and by the person's marks (a fresh join).
      room.standings.update(target.lineage, { hardMuted: true });
      room.hardMuted.add(target.identity);
    }
    target.channel.send({ type: 'muted-by-moderator', hard: target.hardMuted });
    room.broadcast({ type: 'participant-updated', participant: target.info() });
  }

  private participant(room: Room, participantId: string): Participant {
    const participant = room.participants.get(participantId);
    if (!participant)
      throw new MeetingError('not-found', 'That participant is not in the meeting (any more).');
    return participant;
  }

  private knocking(room: Room, entryId: string): Participant {
    const guest = room.lobby.get(entryId);
    if (!guest) throw new MeetingError('not-found', 'Nobody with that entry is knocking (any more).');
    return guest;
  }
}
