import { describe, expect, it } from 'vitest';
import { Lobby } from './lobby.js';
import { Participant } from './participant.js';

const channel = { send: () => {}, close: () => {} };
const knocker = (id: string, displayName: string) =>
  new Participant(id, { displayName, accountId: null, clientKey: null, addressKey: null }, channel);

describe('Lobby', () => {
  it('keeps knocking guests in arrival order and shows moderators only ids and names', () => {
    const lobby = new Lobby();
    lobby.add(knocker('b', 'Bea'));
    lobby.add(knocker('a', 'Abe'));
    expect(lobby.entries()).toEqual([
      { id: 'b', displayName: 'Bea' },
      { id: 'a', displayName: 'Abe' },
    ]);
    expect(lobby.get('a')?.displayName).toBe('Abe');
    expect(lobby.remove('a')).toBe(true);
    expect(lobby.remove('a')).toBe(false);
    expect(lobby.size).toBe(1);
    expect(lobby.drain().map((p) => p.id)).toEqual(['b']);
    expect(lobby.size).toBe(0);
  });
});
