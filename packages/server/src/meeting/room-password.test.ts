import { describe, expect, it } from 'vitest';
import { RoomPassword } from './room-password.js';

describe('RoomPassword', () => {
  it('lets everyone in while no password is set', async () => {
    const password = new RoomPassword();
    expect(password.isSet).toBe(false);
    expect(await password.matches('anything')).toBe(true);
  });

  it('checks the password set, and follows changes and removal', async () => {
    const password = new RoomPassword();
    await password.set('open sesame');
    expect(password.isSet).toBe(true);
    expect(await password.matches('open sesame')).toBe(true);
    expect(await password.matches('open sesame ')).toBe(false);
    expect(await password.matches('')).toBe(false);
    await password.set('new one');
    expect(await password.matches('open sesame')).toBe(false);
    expect(await password.matches('new one')).toBe(true);
    await password.set(null);
    expect(password.isSet).toBe(false);
  });

  it('keeps only a salted hash: the same password hashes differently each time', async () => {
    const a = new RoomPassword();
    const b = new RoomPassword();
    await a.set('same');
    await b.set('same');
    const inner = (p: RoomPassword) => (p as unknown as { current: { salt: Buffer; key: Buffer } }).current;
    expect(inner(a).key.equals(inner(b).key)).toBe(false);
    expect(JSON.stringify(inner(a))).not.toContain('same');
  });

  it('lets a later change win over an earlier one still hashing', async () => {
    const password = new RoomPassword();
    const first = password.set('first');
    const removal = password.set(null);
    await Promise.all([first, removal]);
    expect(password.isSet).toBe(false);
  });
});
