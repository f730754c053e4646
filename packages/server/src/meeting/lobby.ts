// Privacy: keeps the guests knocking at a meeting (display name, connection), in memory, until a
// moderator admits or turns them away, they give up, or the meeting ends.
import type { LobbyEntry } from '@parley/protocol';
import { CONTRACT } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import type { Participant } from './participant.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const LOBBY_QUEUE_STORE = defineStore({
  id: 'lobby-queue',
  name: 'Guests waiting to get in',
  data: 'Guests waiting for the host to arrive, or knocking in the lobby: participant id, display name and their connection, in arrival order.',
  purpose: 'Letting moderators see who asks to join, and admit or deny them.',
  legalBasis: CONTRACT,
  retention: 'Until the guest is admitted, denied or gives up, at the latest until the meeting ends.',
  personal: true,
});

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
