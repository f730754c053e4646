import { createHmac, randomBytes } from 'node:crypto';
import type { IceServer } from '../api/types.js';

/**
 * How long handed-out TURN credentials stay valid. coturn checks the expiry on every authenticated
 * request, refreshes included, so a relayed connection lasts at most this long; a client that
 * reconnects (or joins again) gets fresh credentials. Six hours covers a long working meeting while
 * keeping a leaked credential short-lived.
 */
export const TURN_CREDENTIAL_LIFETIME_S = 6 * 60 * 60;

export interface TurnCredential {
  username: string;
  credential: string;
}

/**
 * One credential of coturn's `use-auth-secret` scheme (the "TURN REST API"): the username is the
 * expiry time in Unix seconds, optionally followed by `:` and an opaque id; the password is
 * base64(HMAC-SHA1(shared secret, username)). coturn recomputes the HMAC, so nothing is stored.
 * The opaque id only tells allocations apart: never a user name, room or address.
 */
export function turnCredential(secret: string, expiresAtSeconds: number, opaqueId?: string): TurnCredential {
  const username = opaqueId === undefined ? String(expiresAtSeconds) : `${expiresAtSeconds}:${opaqueId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export interface TurnServerOptions {
  urls: readonly string[];
  secret: string;
  lifetimeSeconds?: number;
  /** Milliseconds since the epoch (tests pin it). */
  now?: () => number;
}

/**
 * The ICE servers to hand a joining participant: the configured TURN URLs with fresh credentials
 * each call. Without TURN URLs there are none (clients then reach the server's own UDP port only).
 */
export function turnIceServers(options: TurnServerOptions | undefined): () => IceServer[] {
  if (!options || options.urls.length === 0) return () => [];
  const { urls, secret, lifetimeSeconds = TURN_CREDENTIAL_LIFETIME_S, now = Date.now } = options;
  return () => {
    const expiresAt = Math.floor(now() / 1000) + lifetimeSeconds;
    const { username, credential } = turnCredential(secret, expiresAt, randomBytes(9).toString('base64url'));
    return [{ urls: [...urls], username, credential }];
  };
}
