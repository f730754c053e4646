import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('hashes with argon2id and a fresh salt each time', async () => {
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(second).not.toBe(first);
    expect(await verifyPassword(first, 'correct horse')).toBe(true);
    expect(await verifyPassword(second, 'correct horse')).toBe(true);
    expect(await verifyPassword(first, 'Correct horse')).toBe(false);
  });

  it('treats a malformed stored hash as a wrong password', async () => {
    expect(await verifyPassword('not a hash', 'correct horse')).toBe(false);
  });

  it('runs the dummy check without revealing anything', async () => {
    await expect(verifyAgainstDummy('whatever')).resolves.toBeUndefined();
  });
});
