// Privacy: keeps the guests knocking at a meeting (display name, connection), in memory, until a
// moderator admits or turns them away, they give up, or the meeting ends.
import type { LobbyEntry } from '@parley/protocol';
import { declareStore } from '../privacy/memory-stores.js';
import type { Participant } from './participant.js';

declareStore('lobby-queue');

/** The people knocking at one meeting, in arrival order, waiting for a moderator's decision. */
export class Lobby {
  private readonly waiting = new Map<string, Participant>();

  add(participant: Participant): void {
    this.waiting.set(participant.id, participant);
  }

  get(entryId: string): Participant | undefined {
    return this.waiting.get(entryId);
  }

  /** Returns true when the participant was knocking. */
  remove(entryId: string): boolean {
    return this.waiting.delete(entryId);
  }

  /** Everyone knocking, removed from the lobby. */
  drain(): Participant[] {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    return all;
  }

  /** The queue as moderators see it. */
  entries(): LobbyEntry[] {
    return [...this.waiting.values()].map((p) => ({ id: p.id, displayName: p.displayName }));
  }

  get size(): number {
    return this.waiting.size;
  }
}
