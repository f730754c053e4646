// Privacy: keeps every current meeting by its name, in memory, until the meeting ends.
import { randomBytes } from 'node:crypto';
import { CONTRACT, MEETING_LIFE } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import { Room } from './room.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const MEETINGS_STORE = defineStore({
  id: 'meetings',
  name: 'Meeting (room) name',
  data: 'The name of each running meeting, as the key it is found by, with a random id, its settings (password set, lobby, locked, chat history) and its media routing state. Logs and the media plane see only the random id.',
  purpose: 'Bringing the people who open the same room link into the same meeting.',
  legalBasis: CONTRACT,
  retention: MEETING_LIFE,
  // A room name is chosen freely and may name people ("call-with-dr-smith").
  personal: true,
});

export function randomId(bytes = 9): string {
  return randomBytes(bytes).toString('base64url');
}

/** All meetings on this server, found by name. A room exists only while someone is in it or waiting. */
export class RoomRegistry {
  private readonly byName = new Map<string, Room>();

  find(name: string): Room | undefined {
    return this.byName.get(name);
  }

  getOrCreate(name: string): { room: Room; created: boolean } {
    const existing = this.byName.get(name);
    if (existing) return { room: existing, created: false };
    const room = new Room(randomId(), name);
    this.byName.set(name, room);
    return { room, created: true };
  }

  /** Forget a room once nobody is left in it. Returns true when it was removed. */
  removeIfEmpty(room: Room): boolean {
    if (!room.isEmpty || this.byName.get(room.name) !== room) return false;
    this.byName.delete(room.name);
    return true;
  }

  /** Forget a room at once (the meeting was ended for everyone). */
  remove(room: Room): void {
    if (this.byName.get(room.name) === room) this.byName.delete(room.name);
  }

  get size(): number {
    return this.byName.size;
  }

  rooms(): IterableIterator<Room> {
    return this.byName.values();
  }
}
