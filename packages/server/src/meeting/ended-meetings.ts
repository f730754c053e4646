// Privacy: keeps the random ids of meetings a moderator ended (inventory: ended-meetings), until no
// resume token could still name them.
import { declareStore } from '../privacy/memory-stores.js';
import { RESUME_TOKEN_MS } from './resume-tokens.js';

declareStore('ended-meetings');

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
