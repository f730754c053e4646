import type { EventOf, ParticipantInfo } from '@parley/protocol';
import type { Requester } from '../conference/signaling';
import type { MeetingCode } from './meeting-code';

/** What this screen shows: `pending` until we encrypt with the group's keys, `on` from then on. */
export type E2eeUiState = 'off' | 'pending' | 'on';

/** Why the meeting code changed last. */
export type CodeReason =
  | { kind: 'started' }
  | { kind: 'joined'; names: string[] }
  | { kind: 'left'; names: string[] }
  | { kind: 'changed' };

/**
 * Something the server (or a member) did that this client refused or caught. Names are display
 * names of the participant ids involved (ids MLS authenticated).
 */
export type E2eeAlarm =
  /** A commit or welcome had one participant twice (an invisible listener): refused. */
  | { kind: 'duplicate'; names: string[] }
  /** A commit added someone who is not in the meeting: refused. */
  | { kind: 'not-present'; names: string[] }
  /** A commit removed someone who is still in the meeting: refused. */
  | { kind: 'removed-present'; names: string[] }
  /** Members absent from the meeting still hold the keys after the deadline: our media is held. */
  | { kind: 'rekey-overdue'; names: string[] }
  /** The server said encryption is off without an MLS-signed switch-off: ignored. */
  | { kind: 'unproven-off'; names: string[] }
  /** A member switched off though the group's policy does not allow them: ignored. */
  | { kind: 'off-not-allowed'; names: string[] }
  /** A commit could not be processed: this client left the group and asked to be added again. */
  | { kind: 'commit-failed'; names: string[] };

export interface SwitchedOff {
  /** The member who switched it off, by the MLS-authenticated sender of the switch-off. */
  by: string;
  name: string;
  /** Our own media is held until the user chooses to continue without encryption (or leaves). */
  held: boolean;
}

export interface E2eeState {
  state: E2eeUiState;
  /** The browser cannot encrypt frames (no RTCRtpScriptTransform). */
  supported: boolean;
  code: MeetingCode | null;
  codeReason: CodeReason | null;
  /** Participant ids in the MLS group of the keys in use (the roster the keys are really shared with). */
  members: readonly string[];
  /** A roster alarm is raised (kept for the `e2ee-roster-mismatch` banner). */
  rosterMismatch: boolean;
  /** Alarms, one per kind, newest last. */
  alarms: readonly E2eeAlarm[];
  /** Encryption was switched off by an authenticated member: shown until dismissed. */
  switchedOff: SwitchedOff | null;
  /** Whether this participant may switch encryption off (the group's policy names them). */
  mayDisable: boolean;
  /** Display names of those the group's policy lets switch encryption off. */
  offPolicy: readonly string[];
  /** Ids of remote tracks whose frames we cannot decrypt yet ("waiting for keys"). */
  waitingTracks: ReadonlySet<string>;
}

export interface E2eeHost {
  request: Requester;
  /** The meeting's room name: the "was encrypted" fact is kept per meeting. */
  room: string;
  self(): ParticipantInfo | null;
  participants(): readonly ParticipantInfo[];
  /** A decrypted chat message for the chat log. */
  chatMessage(message: EventOf<'chat-message'>['message']): void;
  /** A decrypted poll message and its MLS-authenticated sender (checked by Polls). */
  pollMessage?(sender: string, message: unknown): void;
  /** The meeting became encrypted and this browser cannot encrypt: stop all media at once. */
  refuse(): void;
  /** The user chose to leave rather than continue without encryption. */
  leave(): void;
}

/** The state before anything happened; `supported`: this browser can encrypt frames. */
export function initialE2eeState(supported: boolean): E2eeState {
  return {
    state: 'off',
    supported,
    code: null,
    codeReason: null,
    members: [],
    rosterMismatch: false,
    alarms: [],
    switchedOff: null,
    mayDisable: false,
    offPolicy: [],
    waitingTracks: new Set(),
  };
}
