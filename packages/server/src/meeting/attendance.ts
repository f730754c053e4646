// Privacy: keeps the account ids and browser-chosen random keys of everyone admitted to a meeting, in
// memory, until the meeting ends. No names, no addresses.

import { declareStore } from '../privacy/memory-stores.js';
import type { Identity } from './participant.js';

declareStore('attendance');

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
