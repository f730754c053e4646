// Privacy: keeps, per lineage (a random id a person keeps across resumes, see resume-tokens.ts), their
// role in the meeting and whether a moderator hard-muted or removed them, plus the marks (account id,
// browser key, keyed address hash) of people hard-muted, in memory, until the meeting is forgotten
// (its end, or the expiry of its last resume token once everyone left).
import type { Role } from '@parley/protocol';
import { SECURITY } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const MEETING_STANDINGS_STORE = defineStore({
  id: 'meeting-standings',
  name: 'Standing of each person in a meeting',
  data: 'Per person of a meeting, under a random id their resume token carries: their role, and whether a moderator hard-muted or removed them; for people hard-muted also their account id (signed in), the client key their browser sent and a keyed hash of their network address.',
  purpose: 'A hard mute, a removal or a role taken away must hold when the person reconnects or resumes.',
  legalBasis: SECURITY,
  retention: (facts) =>
    `Until the meeting ends; once everyone has left, until its last resume token expires (at most 10 minutes). The address hash becomes meaningless after at most ${facts.ipRetentionSeconds} seconds.`,
  personal: true,
});

/** What the meeting knows about one person, whatever connection they come back on. */
export interface Standing {
  role: Role;
  /** A moderator muted them with "ask to unmute" and has not allowed it yet. */
  hardMuted: boolean;
  /** A moderator removed them: no resume token of theirs gets them back in. */
  removed: boolean;
}

/**
 * The standing of each person of a meeting, by lineage. A resume token names the lineage, so a
 * role taken away, a hard mute or a removal follows the person across reconnects and resumes, and an
 * older token (issued before a demotion) cannot bring the earlier role back.
 */
export class Standings {
  private readonly byLineage = new Map<string, Standing>();

  get(lineage: string): Standing | undefined {
    return this.byLineage.get(lineage);
  }

  /** Change (or start) the standing of a lineage. */
  update(lineage: string, change: Partial<Standing>): void {
    const current = this.byLineage.get(lineage) ?? { role: 'participant', hardMuted: false, removed: false };
    this.byLineage.set(lineage, { ...current, ...change });
  }

  entries(): [string, Standing][] {
    return [...this.byLineage];
  }

  get size(): number {
    return this.byLineage.size;
  }
}
