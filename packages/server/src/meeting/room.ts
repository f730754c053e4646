// Privacy: keeps the room's name (the key the registry finds it by), its participants and its settings,
// in memory, until the meeting ends.
import { randomBytes } from 'node:crypto';
import type { RoomSettings, ServerEvent } from '@parley/protocol';
import { declareStore } from '../privacy/memory-stores.js';
import { Attendance } from './attendance.js';
import { ChatHistory } from './chat-history.js';
import { Lobby } from './lobby.js';
import type { Identity, Participant } from './participant.js';
import { Removals } from './removals.js';
import { RoomPassword } from './room-password.js';
import type { CarriedMarks, RestoredRoom, RoomSnapshot } from './room-snapshot.js';
import { SentMessages } from './sent-messages.js';
import { type Standing, Standings } from './standings.js';

declareStore('meetings');
declareStore('lobby-queue');

/** Where a participant was in the room when they left it. */
export type Place = 'meeting' | 'lobby' | 'waiting-for-host';

/**
 * One meeting, in memory only. It opens when a signed-in account holder arrives; guests who come first
 * wait for that host. Once open, it holds the admitted participants, the guests knocking at its lobby
 * and the moderators' settings. Room holds state; Meetings and Moderation decide who gets in.
 * The room name is kept only here, as the key the registry finds the room by.
 */
export class Room {
  readonly participants = new Map<string, Participant>();
  /** Guests who arrived before any host, in arrival order. */
  readonly waitingForHost = new Map<string, Participant>();
  readonly lobby = new Lobby();
  readonly password = new RoomPassword();
  readonly removals = new Removals();
  /** Each person's role, hard mute and removal, by lineage (follows them across resumes). */
  readonly standings = new Standings();
  /** Marks of people hard-muted: they come back hard-muted on a fresh join too. */
  readonly hardMuted = new Removals();
  readonly attendance = new Attendance();
  readonly chatHistory = new ChatHistory();
  readonly sentMessages = new SentMessages();
  lobbyEnabled = false;
  locked = false;
  /**
   * A kept room's owner and listed moderators (account ids): only they become moderators on joining.
   * Null for any other meeting, where every signed-in account holder does.
   */
  keptModerators: ReadonlySet<string> | null = null;
  /**
   * Random id of this meeting instance: resume tokens name it, so a token from an earlier meeting
   * under the same room name opens nothing. A resume that reopens the room sets it back to the
   * token's (a cluster node taking a meeting over keeps it the same way).
   */
  meetingId: string = randomBytes(9).toString('base64url');
  private opened = false;
  /**
   * Epoch ms until which the resume tokens issued for this meeting are valid: once everyone has
   * left, the meeting is kept (settings, password, removals) until then, and only a moderator's
   * token reopens it.
   */
  tokensValidUntil = 0;
  /**
   * Restored from another node (cluster takeover) and nobody is back yet: the meeting did not empty
   * by people leaving, so any valid resume token (not only a moderator's) continues it.
   */
  takenOver = false;
  /** Who attended or was removed while another node hosted this meeting (cluster takeover). */
  private carried: CarriedMarks | null = null;

  constructor(
    /** Random id used towards the media plane and logs, never the room's name. */
    readonly id: string,
    readonly name: string,
  ) {}

  get isOpen(): boolean {
    return this.opened;
  }

  /** Opened once, and nobody admitted is in it now: it waits for a moderator's resume token. */
  get isDormant(): boolean {
    return this.opened && this.participants.size === 0;
  }

  /** A meeting with people in it: joiners go through password, lobby and lock. */
  get isLive(): boolean {
    return this.opened && this.participants.size > 0;
  }

  get isEmpty(): boolean {
    return this.participants.size === 0 && this.waitingForHost.size === 0 && this.lobby.size === 0;
  }

  get settings(): RoomSettings {
    return {
      passwordSet: this.password.isSet,
      lobbyEnabled: this.lobbyEnabled,
      locked: this.locked,
      chatHistory: this.chatHistory.enabled,
    };
  }

  /** The first host arrived: from now on people join the meeting proper (or its lobby). */
  open(): void {
    this.opened = true;
  }

  /** While locked, only people who were in this meeting before (and were not removed) get back in. */
  keepsOut(identity: Identity): boolean {
    const attended = this.attendance.includes(identity) || this.carried?.attended(identity) === true;
    return this.locked && (!attended || this.isRemoved(identity));
  }

  /** A moderator removed this person from the meeting (here, or on the node that hosted it before). */
  isRemoved(identity: Identity): boolean {
    return this.removals.matches(identity) || this.carried?.removed(identity) === true;
  }

  /** A moderator hard-muted this person (here, or on the node that hosted the meeting before). */
  isHardMuted(identity: Identity): boolean {
    return this.hardMuted.matches(identity) || this.carried?.hardMuted(identity) === true;
  }

  /** A moderator let this person unmute: no mark of theirs holds them muted any more. */
  forgetHardMuted(identity: Identity): void {
    this.hardMuted.forget(identity);
    this.carried?.forgetHardMuted(identity);
  }

  /** The standing of a lineage here, or as the node that hosted the meeting before left it. */
  standing(lineage: string): Standing | undefined {
    return this.standings.get(lineage) ?? this.carried?.standing(lineage);
  }

  /** What another node needs to continue this meeting (cluster); see room-snapshot.ts. */
  snapshot(): RoomSnapshot {
    return {
      meetingId: this.meetingId,
      lobbyEnabled: this.lobbyEnabled,
      locked: this.locked,
      chatHistory: this.chatHistory.enabled,
      password: this.password.verifier(),
      attendance: this.attendance.marks(),
      removals: this.removals.marks(),
      hardMuted: this.hardMuted.marks(),
      standings: this.standings.entries(),
      carried: this.carried,
    };
  }

  /** Continue a meeting another node hosted: its settings, password and marks, already open. */
  restore(state: RestoredRoom): void {
    this.meetingId = state.meetingId;
    this.lobbyEnabled = state.lobbyEnabled;
    this.locked = state.locked;
    this.chatHistory.setEnabled(state.chatHistory);
    this.password.restore(state.password);
    this.carried = state.marks;
    this.opened = true;
    this.takenOver = true;
  }

  /** A kept room opens: its default password, lobby and moderators apply (E2EE: Meetings.reopen). */
  keep(policy: {
    moderatorIds: ReadonlySet<string>;
    password: { salt: string; key: string } | null;
    lobby: boolean;
  }): void {
    this.keptModerators = policy.moderatorIds;
    this.lobbyEnabled = policy.lobby;
    if (policy.password) this.password.restore(policy.password);
  }

  /**
   * Admit a participant into the meeting proper; a signed-in account holder becomes a moderator (in a
   * kept room: the owner and its listed moderators only).
   */
  addParticipant(participant: Participant): void {
    const accountId = participant.identity.accountId;
    if (accountId !== null && (this.keptModerators === null || this.keptModerators.has(accountId)))
      participant.role = 'moderator';
    this.participants.set(participant.id, participant);
    this.attendance.add(participant.identity);
    this.standings.update(participant.lineage, { role: participant.role, hardMuted: participant.hardMuted });
  }

  /** Remove someone (left, disconnected, removed). Returns where they were, or null if nowhere. */
  remove(participantId: string): Place | null {
    if (this.waitingForHost.delete(participantId)) return 'waiting-for-host';
    if (this.lobby.remove(participantId)) return 'lobby';
    if (this.participants.delete(participantId)) return 'meeting';
    return null;
  }

  moderators(): Participant[] {
    return [...this.participants.values()].filter((p) => p.isModerator);
  }

  /** Send an event to every admitted participant, optionally except one. */
  broadcast(event: ServerEvent, except?: string): void {
    for (const participant of this.participants.values()) {
      if (participant.id !== except) participant.channel.send(event);
    }
  }

  /**
   * Tell every moderator who started or stopped knocking: only the change (`lobby-changed`), so a
   * busy lobby costs each change once, not the whole queue each time. A moderator gets the whole
   * queue (`lobby-updated`) once, when they join or become a moderator (`lobbyFor`).
   */
  lobbyChanged(change: { added?: Participant[]; removed?: string[] }): void {
    const event: ServerEvent = {
      type: 'lobby-changed',
      added: (change.added ?? []).map((p) => ({ id: p.id, displayName: p.displayName })),
      removed: change.removed ?? [],
    };
    for (const moderator of this.moderators()) moderator.channel.send(event);
  }

  broadcastSettings(): void {
    this.broadcast({ type: 'settings-updated', settings: this.settings });
  }

  otherParticipants(participantId: string): Participant[] {
    return [...this.participants.values()].filter((p) => p.id !== participantId);
  }
}
