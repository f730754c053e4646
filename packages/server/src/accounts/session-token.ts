import { createHash, randomBytes } from 'node:crypto';

/** Absolute lifetime of a session: it ends this long after sign-in, however active it is. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** A new session token: 32 random bytes, base64url (cookie-safe, 43 characters). */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database stores in place of the token, so a leaked database cannot sign anyone in. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
