// Privacy: keeps, for each person a moderator removed from a meeting, their account id (if signed in),
// the random key their browser chose (if given) and the keyed hash of their address, in memory, until
// the meeting ends; the address hashes go earlier, when the address hasher's key rotates
// (PARLEY_IP_RETENTION_S).

import { SECURITY } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import type { Identity } from './participant.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const KICKED_PARTICIPANTS_STORE = defineStore({
  id: 'kicked-participants',
  name: 'Removed participants',
  data: 'Markers of people a moderator removed: their account id (signed in), the client key their browser sent, and a keyed hash of their network address (IP).',
  purpose: 'Keeping a removed person out for the rest of the meeting except through the lobby.',
  legalBasis: SECURITY,
  retention: (facts) =>
    `Until the meeting ends. The address hash becomes meaningless after at most ${facts.ipRetentionSeconds} seconds, when the hashing key is replaced (it can then match nobody, and nobody can turn it back into an address).`,
  personal: true,
});

/**
 * Who was removed from one meeting. A removed person must not get back in on their own, whatever way
 * they come (reconnect, new socket, new display name, invitation, password): a join that matches any
 * of their marks goes to the lobby, where only a moderator can let them in.
 */
export class Removals {
  private readonly accountIds = new Set<string>();
  private readonly clientKeys = new Set<string>();
  private readonly addressKeys = new Set<string>();

  add(identity: Identity): void {
    if (identity.accountId !== null) this.accountIds.add(identity.accountId);
    if (identity.clientKey !== null) this.clientKeys.add(identity.clientKey);
    if (identity.addressKey !== null) this.addressKeys.add(identity.addressKey);
  }

  matches(identity: Identity): boolean {
    return (
      (identity.accountId !== null && this.accountIds.has(identity.accountId)) ||
      (identity.clientKey !== null && this.clientKeys.has(identity.clientKey)) ||
      (identity.addressKey !== null && this.addressKeys.has(identity.addressKey))
    );
  }

  /** Drop this person's marks (used for hard-mute marks, when a moderator allows unmuting). */
  forget(identity: Identity): void {
    if (identity.accountId !== null) this.accountIds.delete(identity.accountId);
    if (identity.clientKey !== null) this.clientKeys.delete(identity.clientKey);
    if (identity.addressKey !== null) this.addressKeys.delete(identity.addressKey);
  }

  /**
   * Account ids and browser keys, for handing the meeting to another node (cluster). Address hashes
   * stay behind: they are keyed per node and could match nothing there.
   */
  marks(): { accountIds: string[]; clientKeys: string[] } {
    return { accountIds: [...this.accountIds], clientKeys: [...this.clientKeys] };
  }

  /** The address hasher's key rotated: hashes made under the old key can never match again. */
  forgetAddresses(): void {
    this.addressKeys.clear();
  }
}
