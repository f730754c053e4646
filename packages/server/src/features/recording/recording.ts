import type { EventOf } from '@parley/protocol';
import { ChatRate } from '../../meeting/chat-rate.js';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Participant } from '../../meeting/participant.js';
import type { Room } from '../../meeting/room.js';
import { CONTRACT } from '../../privacy/legal-bases.js';
import { defineStore } from '../../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const RECORDING_CONSENT_STORE = defineStore({
  id: 'recording-consent',
  name: 'Recording and consent answers',
  data: "While a participant records the meeting in their own browser: that a recording runs, the participant id of the recorder and when it started, and each participant id with their answer to the consent notice (yes or no); also the participant ids a moderator allowed to record. The recording itself never reaches the server: it is composed and kept on the recorder's device only.",
  purpose:
    "Asking everyone before they are recorded, telling everyone who is left out, and letting the recorder's browser record only those who agreed.",
  legalBasis: CONTRACT,
  retention:
    'Until the recording stops (the answers) or the person leaves (their permission), at the latest until the meeting ends; never written to disk.',
  personal: true,
});

/** One recording running in a meeting. */
interface Running {
  recorderId: string;
  startedAt: number;
  /** Consent answers by participant id: true yes, false no; missing: not answered (left out). */
  answers: Map<string, boolean>;
}

type StateEvent = EventOf<'recording-state'>;

/**
 * Recording in a participant's browser, with consent the server enforces: the server asks every
 * participant (the notice comes from here, so a modified recorder cannot skip it), keeps their
 * answers, tells the recorder's client who agreed and tells everyone who is left out. The media never
 * pass through here. Everything lives in WeakMaps keyed by the room: gone with the meeting; a
 * leaver's answer and permission go when they leave; the recording ends when its recorder leaves.
 */
export class MeetingRecording {
  private readonly running = new WeakMap<Room, Running>();
  private readonly permits = new WeakMap<Room, Set<string>>();
  /** Starting and answering send events to everyone: each participant's are limited. */
  private readonly rates = new WeakMap<Participant, ChatRate>();

  constructor(
    private readonly access: MeetingAccess,
    private readonly now: () => number,
  ) {}

  /** A moderator, or someone a moderator allowed, starts the meeting's one recording. */
  start(actorId: string): void {
    const { room, participant } = this.access.inMeeting(actorId);
    if (!participant.isModerator && !this.permits.get(room)?.has(actorId)) {
      throw new MeetingError(
        'forbidden',
        'Only a moderator, or someone a moderator allowed, can start a recording.',
      );
    }
    if (this.running.has(room)) throw new MeetingError('forbidden', 'A recording is already running.');
    this.limit(participant);
    // The recorder agrees by starting; everyone else is left out until they say yes.
    this.running.set(room, {
      recorderId: actorId,
      startedAt: this.now(),
      answers: new Map([[actorId, true]]),
    });
    // Everyone is asked before anyone (the recorder included) hears that the recording runs.
    for (const other of room.participants.values()) {
      if (other.id !== actorId)
        other.channel.send({ type: 'recording-consent-requested', recorderId: actorId });
    }
    this.broadcast(room);
  }

  /** The recorder or a moderator stops the recording. */
  stop(actorId: string): void {
    const { room, participant } = this.access.inMeeting(actorId);
    const running = this.running.get(room);
    if (!running) throw new MeetingError('not-found', 'No recording is running.');
    if (running.recorderId !== actorId && !participant.isModerator) {
      throw new MeetingError('forbidden', 'Only the person recording or a moderator can stop the recording.');
    }
    this.running.delete(room);
    this.broadcast(room, { ended: 'stopped' });
  }

  /** Answer the consent notice; a no is announced to everyone. */
  consent(actorId: string, accept: boolean): void {
    const { room, participant } = this.access.inMeeting(actorId);
    const running = this.running.get(room);
    if (!running) throw new MeetingError('not-found', 'No recording is running.');
    if (running.recorderId === actorId) {
      if (accept) return;
      throw new MeetingError('forbidden', 'You are recording: stop the recording instead.');
    }
    if (running.answers.get(actorId) === accept) return;
    this.limit(participant);
    running.answers.set(actorId, accept);
    this.broadcast(room, accept ? {} : { declined: actorId });
  }

  /** Moderator: allow a participant to start recordings, or no longer. */
  permit(actorId: string, participantId: string, allowed: boolean): void {
    const { room } = this.access.moderator(actorId);
    if (!room.participants.has(participantId)) {
      throw new MeetingError('not-found', 'That participant has left the meeting.');
    }
    let permits = this.permits.get(room);
    if (!permits) {
      permits = new Set();
      this.permits.set(room, permits);
    }
    if (permits.has(participantId) === allowed) return;
    if (allowed) permits.add(participantId);
    else permits.delete(participantId);
    this.broadcast(room);
  }

  /** A joiner learns of a running recording (and is asked) and who may record. */
  welcome(room: Room, participant: Participant): void {
    const running = this.running.get(room);
    if (running || (this.permits.get(room)?.size ?? 0) > 0) participant.channel.send(this.state(room));
    if (running && running.recorderId !== participant.id) {
      participant.channel.send({ type: 'recording-consent-requested', recorderId: running.recorderId });
    }
  }

  /** Someone left: their answer and permission go; when the recorder leaves the recording ends. */
  forget(room: Room, participantId: string): void {
    const permitted = this.permits.get(room)?.delete(participantId) ?? false;
    const running = this.running.get(room);
    if (running?.recorderId === participantId) {
      this.running.delete(room);
      this.broadcast(room, { ended: 'recorder-left' });
      return;
    }
    const answered = running?.answers.delete(participantId) ?? false;
    if (permitted || answered) this.broadcast(room);
  }

  /** The recording of a room as the protocol shows it (tests and snapshots). */
  stateOf(room: Room): Omit<StateEvent, 'type'> {
    const { type: _, ...state } = this.state(room);
    return state;
  }

  private state(room: Room, extra: Pick<StateEvent, 'declined' | 'ended'> = {}): StateEvent {
    const running = this.running.get(room);
    const permitted = [...(this.permits.get(room) ?? [])];
    if (!running) return { type: 'recording-state', recording: null, permitted, ...extra };
    const consented: string[] = [];
    const declined: string[] = [];
    for (const [id, yes] of running.answers) {
      if (!room.participants.has(id)) continue;
      (yes ? consented : declined).push(id);
    }
    return {
      type: 'recording-state',
      recording: { recorderId: running.recorderId, startedAt: running.startedAt, consented, declined },
      permitted,
      ...extra,
    };
  }

  private broadcast(room: Room, extra: Pick<StateEvent, 'declined' | 'ended'> = {}): void {
    room.broadcast(this.state(room, extra));
  }

  /** At most a burst of 6 starts or answers, then one every 2 seconds, per participant. */
  private limit(participant: Participant): void {
    let rate = this.rates.get(participant);
    if (!rate) {
      rate = new ChatRate(0.5, 6, this.now);
      this.rates.set(participant, rate);
    }
    const wait = rate.take();
    if (wait > 0)
      throw new MeetingError('rate-limited', `Too many changes. Please wait ${wait} seconds.`, wait);
  }
}
