import type { IceServer, VideoCodec } from '@parley/protocol';
import { CloseCode } from '@parley/protocol';
import type { MediaPlane } from '@parley/sfu';
import type { KeptRoomPolicy } from '../kept-rooms/kept-room-store.js';
import type { Logger } from '../logger.js';
import { declareStore } from '../privacy/memory-stores.js';
import type { EndedMeetings } from './ended-meetings.js';
import type { Participant } from './participant.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomStateStore } from './room-snapshot.js';
import type { Roster } from './roster.js';

declareStore('meetings');

/**
 * What the features (features/<name>/) do when people come and go and meetings end; meetings.ts
 * fans each call out to them, so that this file knows no feature.
 */
export interface FeatureHooks {
  /** A newcomer is in: each feature sends them what it holds (hands, breakouts, recording). */
  welcome(room: Room, participant: Participant): void;
  /** The newcomer has everything else: E2EE delivery may start for them. */
  arrived(room: Room, participantId: string): void;
  /** Someone left the meeting proper: each feature drops what it kept about them. */
  left(room: Room, participantId: string): void;
  /** The last person left. */
  emptied(room: Room): void;
  /** A feature still needs the room though it is empty (breakout rooms open). */
  keeps(room: Room): boolean;
  /** The meeting ends for everyone. */
  ended(room: Room): void;
  /** A kept room that starts encrypted opened: as if its host had asked for E2EE. */
  openedEncrypted(host: Participant): void;
}

export interface LifecycleDeps {
  registry: RoomRegistry;
  roster: Roster;
  media: MediaPlane;
  logger: Logger;
  now: () => number;
  iceServers: () => IceServer[];
  iceTransportPolicy: 'relay' | undefined;
  /** The video codec browsers publish in when they can (sent with `joined`). */
  videoCodec: VideoCodec;
  endedMeetings: EndedMeetings;
  roomState: RoomStateStore | undefined;
  features: FeatureHooks;
  resumeTokenFor(room: Room, participant: Participant): string;
  /** A kept room opened: it is kept for another retention period. */
  markOpened(keptRoomId: string): void;
}

/**
 * A meeting's life from opening to its end: admitting people into the meeting proper, their leaving,
 * the rest of an emptied meeting until its resume tokens expire, and ending, handing over or shutting
 * down. Who may get in is decided before (admission.ts, resumption.ts).
 */
export class MeetingLifecycle {
  /** Emptied meetings, each forgotten when its last resume token expires. */
  private readonly expiries = new Map<Room, NodeJS.Timeout>();

  constructor(private readonly deps: LifecycleDeps) {}

  /**
   * An account holder (or a moderator's resume token) opens the meeting, or reopens an emptied one
   * with its settings: the host is admitted with the guests who waited. Guests coming back with a
   * resume token of this meeting come straight in; others meet its lobby and removals as anyone would.
   */
  reopen(room: Room, host: Participant, policy: KeptRoomPolicy | null = null): void {
    this.stopExpiry(room);
    const reopened = room.isOpen;
    // A kept room's first opening takes over its settings; a reopened one keeps what its moderators set.
    if (policy && !reopened) room.keep(policy);
    if (policy) this.deps.markOpened(policy.id);
    room.open();
    room.takenOver = false;
    this.deps.media.openRoom(room.id);
    this.deps.logger.info({ roomId: room.id }, reopened ? 'meeting reopened' : 'meeting opened');
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
    if (policy?.e2ee && !reopened) this.deps.features.openedEncrypted(host);
  }

  /** Admit people into the meeting proper: tell the others, start their media, send them `joined`. */
  admit(room: Room, newcomers: Participant[]): void {
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
    const { media, features } = this.deps;
    media.addParticipant(room.id, participant.id);
    if (participant.audioHeld) media.setAudioHeld(room.id, participant.id, true);
    participant.channel.send({
      type: 'joined',
      self: participant.info(),
      participants: room.otherParticipants(participant.id).map((p) => p.info()),
      iceServers: this.deps.iceServers(),
      iceTransportPolicy: this.deps.iceTransportPolicy,
      ...(this.deps.videoCodec !== 'vp8' && { videoCodec: this.deps.videoCodec }),
      settings: room.settings,
      chatHistory: room.chatHistory.earlier(),
      resumeToken: this.deps.resumeTokenFor(room, participant),
    });
    features.welcome(room, participant);
    if (participant.hardMuted) participant.channel.send({ type: 'muted-by-moderator', hard: true });
    if (participant.isModerator && room.lobby.size > 0) {
      participant.channel.send({ type: 'lobby-updated', entries: room.lobby.entries() });
    }
    features.arrived(room, participant.id);
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
    this.deps.roster.delete(participant.id);
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
    const membership = this.deps.roster.get(participantId);
    if (!membership) return;
    this.deps.roster.delete(participantId);
    const { room } = membership;
    const place = room.remove(participantId);
    if (place === 'meeting') {
      this.deps.media.removeParticipant(room.id, participantId);
      room.broadcast({ type: 'participant-left', participantId });
      this.deps.features.left(room, participantId);
      if (room.participants.size === 0 && !replaced) {
        this.rest(room);
        this.deps.features.emptied(room);
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
      this.deps.roster.delete(guest.id);
      guest.channel.send({ type: 'join-denied', reason: 'ended' });
      guest.channel.close(CloseCode.turnedAway, 'meeting ended');
    }
    this.deps.media.closeRoom(room.id);
    const left = room.tokensValidUntil - this.deps.now();
    if (left <= 0) return;
    this.deps.logger.info({ roomId: room.id }, 'meeting emptied: kept until its resume tokens expire');
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
    if (this.deps.features.keeps(room)) return;
    if (room.isOpen && room.tokensValidUntil > this.deps.now()) return;
    if (!this.deps.registry.removeIfEmpty(room)) return;
    this.stopExpiry(room);
    this.deps.roomState?.remove(room.name);
    if (room.isOpen) this.deps.logger.info({ roomId: room.id }, 'meeting ended');
  }

  /**
   * End the meeting for everyone: participants get `room-closed`, knocking and waiting guests
   * `join-denied`, every connection closes and the room with all it kept is forgotten.
   */
  end(room: Room, { byModerator = true }: { byModerator?: boolean } = {}): void {
    // Nobody may reopen it with a resume token (a meeting nobody is left in may come back that way).
    if (byModerator) this.deps.endedMeetings.add(room.meetingId);
    this.deps.features.ended(room);
    this.deps.roomState?.remove(room.name, byModerator ? room.meetingId : undefined);
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
    this.deps.logger.info({ roomId: room.id, participants: participants.length }, 'meeting ended');
  }

  /**
   * Cluster drain: every connection closes with `node-draining` and no ending event, so the apps
   * resume on the node that takes each meeting over; this node then forgets the meetings. The rooms'
   * kept state stays (the cluster stops removing it while draining).
   */
  handOver(rooms: Room[]): void {
    for (const room of rooms) {
      const everyone = everyoneIn(room);
      for (const participant of everyone) participant.channel.close(CloseCode.nodeDraining, 'node-draining');
      this.dissolve(room, everyone);
    }
  }

  /** Server shutdown: tell everyone, then free everything. */
  closeAll(): void {
    for (const room of [...this.deps.registry.rooms()]) {
      const everyone = everyoneIn(room);
      for (const participant of everyone) {
        participant.channel.send({ type: 'room-closed', reason: 'server-shutdown' });
        participant.channel.close(CloseCode.goingAway, 'server shutting down');
      }
      this.dissolve(room, everyone);
    }
  }

  /** Forget a room and everyone in it, without telling anyone (the caller has). */
  private dissolve(room: Room, everyone: Participant[]): void {
    for (const participant of everyone) this.deps.roster.delete(participant.id);
    room.participants.clear();
    room.waitingForHost.clear();
    room.lobby.drain();
    if (room.isOpen) this.deps.media.closeRoom(room.id);
    this.stopExpiry(room);
    this.deps.registry.remove(room);
  }

  private stopExpiry(room: Room): void {
    const timer = this.expiries.get(room);
    if (timer) clearTimeout(timer);
    this.expiries.delete(room);
  }
}

/** Participants, knocking guests (the lobby is drained) and guests waiting for a host. */
function everyoneIn(room: Room): Participant[] {
  return [...room.participants.values(), ...room.lobby.drain(), ...room.waitingForHost.values()];
}
