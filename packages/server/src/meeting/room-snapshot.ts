import type { Identity } from './participant.js';
import type { Standing } from './standings.js';

/**
 * What a meeting hands on when it moves to another node (cluster, docs/cluster.md): the moderators'
 * settings, the password's salted hash and the marks that recognise who attended, was removed or is
 * hard-muted.
 * Never names, display names, addresses or chat. The cluster keeps it in Redis (marks as keyed hashes)
 * and the node that takes the meeting over restores it.
 */
export interface RoomSnapshot {
  meetingId: string;
  lobbyEnabled: boolean;
  locked: boolean;
  chatHistory: boolean;
  password: PasswordVerifier | null;
  /** Raw marks of this node's time (the store hashes them), plus those carried from earlier nodes. */
  attendance: PeopleMarks;
  removals: PeopleMarks;
  /** People hard-muted (they come back hard-muted on a fresh join too). */
  hardMuted: PeopleMarks;
  /** Each person's standing by lineage (the store keeps lineages only as keyed hashes). */
  standings: [string, Standing][];
  carried: CarriedMarks | null;
}

/** The salted scrypt hash of a room password (base64url), never the password. */
export interface PasswordVerifier {
  salt: string;
  key: string;
}

/** Account ids and browser keys, as Attendance and Removals hold them. */
export interface PeopleMarks {
  accountIds: string[];
  clientKeys: string[];
}

/** Marks that came from another node, in a form only comparable (keyed hashes). */
export interface CarriedMarks {
  attended(identity: Identity): boolean;
  removed(identity: Identity): boolean;
  hardMuted(identity: Identity): boolean;
  /** A moderator let this person unmute: their carried hard-mute marks no longer count. */
  forgetHardMuted(identity: Identity): void;
  /** The standing of a lineage as the earlier node left it. */
  standing(lineage: string): Standing | undefined;
}

/** A snapshot as it comes back on the node taking the meeting over. */
export interface RestoredRoom {
  meetingId: string;
  lobbyEnabled: boolean;
  locked: boolean;
  chatHistory: boolean;
  password: PasswordVerifier | null;
  marks: CarriedMarks;
}

/**
 * Where meetings' snapshots live between nodes (MeetingsOptions.roomState). Without a cluster there
 * is none and nothing outlives a meeting.
 */
export interface RoomStateStore {
  /** The state a previous host left for this room, or null. */
  load(roomName: string): Promise<RestoredRoom | null>;
  /**
   * The meeting ended: nothing may bring its state back. `endedMeetingId` is set when a moderator
   * ended it: then no node may reopen it (with a resume token) either.
   */
  remove(roomName: string, endedMeetingId?: string): void;
}
