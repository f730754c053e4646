// Privacy: keeps, per lineage (a random id a person keeps across resumes, see resume-tokens.ts), their
// role in the meeting and whether a moderator hard-muted or removed them, plus the marks (account id,
// browser key, keyed address hash) of people hard-muted, in memory, until the meeting is forgotten
// (its end, or the expiry of its last resume token once everyone left).
import type { Role } from '@parley/protocol';
import { declareStore } from '../privacy/memory-stores.js';

declareStore('meeting-standings');

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
