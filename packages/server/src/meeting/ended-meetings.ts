// Privacy: keeps the random ids of meetings a moderator ended (inventory: ended-meetings), until no
// resume token could still name them.
import { SECURITY } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import { RESUME_TOKEN_MS } from './resume-tokens.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const ENDED_MEETINGS_STORE = defineStore({
  id: 'ended-meetings',
  name: 'Recently ended meetings',
  data: 'The random ids of meetings a moderator ended, with the time until which a reconnection token could still name them. No names, no people.',
  purpose: 'Making sure nobody reopens a meeting a moderator has ended by reconnecting.',
  legalBasis: SECURITY,
  retention: 'Ten minutes after the meeting ended, at the latest until the server restarts.',
  personal: false,
});

/**
 * Meetings a moderator ended, remembered for as long as a resume token could name them: a resume
 * must not bring an ended meeting back (on one node; a cluster shares this through its own hook).
 */
export class EndedMeetings {
  /** meetingId → until when it matters (epoch ms). */
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  add(meetingId: string): void {
    this.prune();
    this.until.set(meetingId, this.now() + RESUME_TOKEN_MS);
  }

  has(meetingId: string): boolean {
    this.prune();
    return this.until.has(meetingId);
  }

  get size(): number {
    return this.until.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [meetingId, until] of this.until) if (until <= now) this.until.delete(meetingId);
  }
}
