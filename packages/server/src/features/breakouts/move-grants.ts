// Privacy: keeps, in memory for a minute each, move grants: the random lineage, account id, browser key
// and display name of the person a grant was given to (inventory: breakout-rooms).
import type { Role } from '@parley/protocol';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Identity, Participant } from '../../meeting/participant.js';
import { randomId } from '../../meeting/room-registry.js';
import { CONTRACT } from '../../privacy/legal-bases.js';
import { defineStore } from '../../privacy/memory-stores.js';
import type { BreakoutRoom, Session } from './session.js';

/** The data inventory's entry for breakout rooms (breakouts.ts keeps the rooms, this module the grants) (privacy/memory-inventory.ts lists it). */
export const BREAKOUT_ROOMS_STORE = defineStore({
  id: 'breakout-rooms',
  name: 'Breakout rooms',
  data: "The names of a meeting's breakout rooms, their random room names, who is assigned to which (by random participant id) and one-time move grants (room, random id, role, account id, browser key, display name, one minute).",
  purpose:
    'Letting moderators split a meeting into smaller rooms and move people there and back without asking them for names or passwords again.',
  legalBasis: CONTRACT,
  retention:
    'Until the breakout rooms close, at the latest until the meeting ends; each grant until it is used or one minute has passed.',
  personal: true,
});

/** A move grant is good this long: the client uses it at once. */
export const GRANT_MS = 60_000;

export const GRANT_REFUSED = 'This move is not valid (any more). Please join again.';

/** A one-time pass into one room for one person, as they were when it was given. */
export interface Grant {
  roomName: string;
  lineage: string;
  role: Role;
  accountId: string | null;
  clientKey: string | null;
  displayName: string;
  expiresAt: number;
  /** The breakout room it leads to; null: the main room. */
  breakout: { session: Session; room: BreakoutRoom } | null;
}

/**
 * Move grants: a one-time token that takes its holder straight into one room (a breakout room, or
 * back to the main room), bound to who they are, and good for GRANT_MS.
 */
export class MoveGrants {
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly now: () => number) {}

  /** A grant for `participant` into `roomName`; returns its token. */
  give(participant: Participant, roomName: string, breakout: Grant['breakout']): string {
    const token = randomId(24);
    this.grants.set(token, {
      roomName,
      lineage: participant.lineage,
      role: participant.role,
      accountId: participant.identity.accountId,
      clientKey: participant.identity.clientKey,
      displayName: participant.identity.displayName,
      expiresAt: this.now() + GRANT_MS,
      breakout,
    });
    return token;
  }

  /**
   * Uses the grant up; it must be unexpired, for this room and for this person (account, browser key
   * and name as when it was given), or the move is refused (`forbidden`).
   */
  redeem(token: string, roomName: string, identity: Identity): Grant {
    const grant = this.grants.get(token);
    this.grants.delete(token);
    if (
      !grant ||
      grant.expiresAt <= this.now() ||
      grant.roomName !== roomName ||
      grant.accountId !== identity.accountId ||
      grant.clientKey !== identity.clientKey ||
      grant.displayName !== identity.displayName
    )
      throw new MeetingError('forbidden', GRANT_REFUSED);
    return grant;
  }

  /** Whether an unexpired grant leads into one of these rooms (expired ones are dropped on the way). */
  leadTo(roomNames: readonly string[]): boolean {
    const now = this.now();
    let found = false;
    for (const [token, grant] of this.grants) {
      if (grant.expiresAt <= now) this.grants.delete(token);
      else if (roomNames.includes(grant.roomName)) found = true;
    }
    return found;
  }
}
