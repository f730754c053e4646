import { describe, expect, it } from 'vitest';
import { Attendance } from './attendance.js';
import type { Identity } from './participant.js';
import { Removals } from './removals.js';

const who = (marks: Partial<Identity>): Identity => ({
  displayName: 'Anyone',
  accountId: null,
  clientKey: null,
  addressKey: null,
  ...marks,
});

describe('Removals', () => {
  it('recognises a removed person by any one of their marks, whatever their name', () => {
    const removals = new Removals();
    removals.add(who({ accountId: 'acc-1', clientKey: 'key-1', addressKey: 'addr-1' }));
    expect(removals.matches(who({ displayName: 'New name', accountId: 'acc-1' }))).toBe(true);
    expect(removals.matches(who({ clientKey: 'key-1' }))).toBe(true);
    expect(removals.matches(who({ addressKey: 'addr-1' }))).toBe(true);
    expect(removals.matches(who({ accountId: 'acc-2', clientKey: 'key-2', addressKey: 'addr-2' }))).toBe(
      false,
    );
    expect(removals.matches(who({}))).toBe(false);
  });

  it('forgets address hashes when the address key rotates, but not the other marks', () => {
    const removals = new Removals();
    removals.add(who({ clientKey: 'key-1', addressKey: 'addr-1' }));
    removals.forgetAddresses();
    expect(removals.matches(who({ addressKey: 'addr-1' }))).toBe(false);
    expect(removals.matches(who({ clientKey: 'key-1' }))).toBe(true);
  });
});

describe('Attendance', () => {
  it('knows who was in by account or browser key, never by address', () => {
    const attendance = new Attendance();
    attendance.add(who({ accountId: 'acc-1', addressKey: 'addr-1' }));
    attendance.add(who({ clientKey: 'key-1' }));
    expect(attendance.includes(who({ accountId: 'acc-1' }))).toBe(true);
    expect(attendance.includes(who({ clientKey: 'key-1' }))).toBe(true);
    expect(attendance.includes(who({ addressKey: 'addr-1' }))).toBe(false);
    expect(attendance.includes(who({}))).toBe(false);
  });
});
