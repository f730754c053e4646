import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). @node-rs/argon2 hashes on
 * libuv's thread pool, so a hash (tens of milliseconds) never blocks the event loop.
 * The library's default algorithm is argon2id; its `Algorithm` enum is a const enum, which
 * isolatedModules cannot import, hence the PHC check in the tests instead of an explicit option.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password and for a malformed stored hash alike. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Computes the dummy hash ahead of time, so that not even the first unknown-user check is faster. */
export function prepareDummyHash(): void {
  dummyHash ??= hashPassword('parley-dummy-password-for-unknown-users');
}

/**
 * Spends the same work as checking a real password, for sign-in attempts with an unknown username:
 * the answer's timing then does not tell whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<void> {
  prepareDummyHash();
  await verifyPassword(await dummyHash!, password);
}
