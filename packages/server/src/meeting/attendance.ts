// Privacy: keeps the account ids and browser-chosen random keys of everyone admitted to a meeting, in
// memory, until the meeting ends. No names, no addresses.

import { CONTRACT, MEETING_LIFE } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import type { Identity } from './participant.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const ATTENDANCE_STORE = defineStore({
  id: 'attendance',
  name: 'Who has been in a meeting',
  data: 'The account ids (signed in) and client keys of everyone admitted to a meeting. No names, no addresses.',
  purpose: 'Letting someone whose connection dropped back into a meeting a moderator has locked.',
  legalBasis: CONTRACT,
  retention: MEETING_LIFE,
  personal: true,
});

/**
 * Who has been in one meeting, so that locking it keeps out only newcomers: someone whose connection
 * dropped (the host included) can come back into a locked meeting.
 */
export class Attendance {
  private readonly accountIds = new Set<string>();
  private readonly clientKeys = new Set<string>();

  add(identity: Identity): void {
    if (identity.accountId !== null) this.accountIds.add(identity.accountId);
    if (identity.clientKey !== null) this.clientKeys.add(identity.clientKey);
  }

  /** Everyone recorded, for handing the meeting to another node (cluster). */
  marks(): { accountIds: string[]; clientKeys: string[] } {
    return { accountIds: [...this.accountIds], clientKeys: [...this.clientKeys] };
  }

  /** True when this identity (same account, or same browser key) was admitted before. */
  includes(identity: Identity): boolean {
    return (
      (identity.accountId !== null && this.accountIds.has(identity.accountId)) ||
      (identity.clientKey !== null && this.clientKeys.has(identity.clientKey))
    );
  }
}
