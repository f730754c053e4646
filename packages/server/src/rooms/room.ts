import type { RoomSettings, ServerEvent } from '@parley/protocol';
import type { Participant } from './participant.js';

export type AdmitOutcome = 'joined' | 'waiting-for-host';

/**
 * One meeting, in memory only. It is open while at least one participant is in it and opens when a
 * signed-in account holder arrives; guests who come first wait and are admitted when it opens.
 * The room name is kept only here, as the key the registry finds the room by.
 */
export class Room {
  readonly participants = new Map<string, Participant>();
  /** Guests who arrived before any host, in arrival order. */
  readonly waitingForHost = new Map<string, Participant>();
  private opened = false;
  readonly settings: RoomSettings = {
    passwordSet: false,
    lobbyEnabled: false,
    locked: false,
    chatHistory: false,
  };

  constructor(
    /** Random id used towards the media plane and logs, never the room's name. */
    readonly id: string,
    readonly name: string,
  ) {}

  get isOpen(): boolean {
    return this.opened;
  }

  get isEmpty(): boolean {
    return this.participants.size === 0 && this.waitingForHost.size === 0;
  }

  /**
   * Let a participant in, or make them wait for a host. A signed-in account holder opens the meeting
   * and becomes a moderator; the guests waiting are then admitted in arrival order (returned so the
   * caller can start their media and tell everyone).
   */
  admit(participant: Participant): { outcome: AdmitOutcome; alsoAdmitted: Participant[] } {
    if (!this.opened && !participant.isAccountHolder) {
      this.waitingForHost.set(participant.id, participant);
      return { outcome: 'waiting-for-host', alsoAdmitted: [] };
    }
    const alsoAdmitted: Participant[] = [];
    if (participant.isAccountHolder) participant.role = 'moderator';
    this.addParticipant(participant);
    if (!this.opened) {
      this.opened = true;
      for (const waiting of this.waitingForHost.values()) {
        this.addParticipant(waiting);
        alsoAdmitted.push(waiting);
      }
      this.waitingForHost.clear();
    }
    return { outcome: 'joined', alsoAdmitted };
  }

  private addParticipant(participant: Participant): void {
    this.participants.set(participant.id, participant);
  }

  /** Remove a participant (left, disconnected). Returns true when they were in the meeting proper. */
  remove(participantId: string): boolean {
    if (this.waitingForHost.delete(participantId)) return false;
    if (!this.participants.delete(participantId)) return false;
    this.broadcast({ type: 'participant-left', participantId });
    return true;
  }

  /** Send an event to every admitted participant, optionally except one. */
  broadcast(event: ServerEvent, except?: string): void {
    for (const participant of this.participants.values()) {
      if (participant.id !== except) participant.channel.send(event);
    }
  }

  otherParticipants(participantId: string): Participant[] {
    return [...this.participants.values()].filter((p) => p.id !== participantId);
  }
}
