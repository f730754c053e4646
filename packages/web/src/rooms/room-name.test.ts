import { ROOM_NAME_PATTERN } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { proposeRoomName, roomNameFromInput } from './room-name';

describe('proposeRoomName', () => {
  it('makes four groups of four unambiguous symbols that are a valid room name', () => {
    const name = proposeRoomName();
    expect(name).toMatch(/^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){3}$/);
    expect(ROOM_NAME_PATTERN.test(name)).toBe(true);
  });

  it('uses every random byte (80 bits): different bytes give different names', () => {
    const fixed = (value: number) => (bytes: Uint8Array) => bytes.fill(value);
    expect(proposeRoomName(fixed(0))).toBe('aaaa-aaaa-aaaa-aaaa');
    expect(proposeRoomName(fixed(31))).toBe('9999-9999-9999-9999');
    // 32 + 1 maps to the same symbol as 1: the byte is taken modulo the alphabet's 32 symbols.
    expect(proposeRoomName(fixed(33))).toBe(proposeRoomName(fixed(1)));
    const sequence = (bytes: Uint8Array) => bytes.map((_, i) => i);
    expect(proposeRoomName(sequence)).toBe('abcd-efgh-ijkm-npqr');
  });

  it('does not repeat itself', () => {
    const names = new Set(Array.from({ length: 200 }, () => proposeRoomName()));
    expect(names.size).toBe(200);
  });
});

describe('roomNameFromInput', () => {
  it('accepts a bare room name', () => {
    expect(roomNameFromInput('  team_weekly-1 ')).toBe('team_weekly-1');
  });

  it('takes the name out of a meeting link or path', () => {
    expect(roomNameFromInput('https://meet.example.org/room/abcd-efgh?x=1#y')).toBe('abcd-efgh');
    expect(roomNameFromInput('/room/abc/')).toBe('abc');
    expect(roomNameFromInput('meet.example.org/room/xyz')).toBe('xyz');
  });

  it('refuses what is no room name', () => {
    expect(roomNameFromInput('')).toBeNull();
    expect(roomNameFromInput('two words')).toBeNull();
    expect(roomNameFromInput('https://meet.example.org/')).toBeNull();
    expect(roomNameFromInput('https://meet.example.org/room/')).toBeNull();
    expect(roomNameFromInput('x'.repeat(65))).toBeNull();
  });
});
