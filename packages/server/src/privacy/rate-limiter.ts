import type { IpHasher } from './ip-hasher.js';
import { KEY_LIFE, SECURITY } from './legal-bases.js';
import { defineStore } from './memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const RATE_LIMIT_KEYS_STORE = defineStore({
  id: 'rate-limit-keys',
  name: 'Throttling of repeated attempts',
  data: 'For sign-in, setup and room-password attempts: a keyed hash (HMAC-SHA256) of the client’s network address (an IPv6 address cut to its /64) with the times or count of its recent attempts; for sign-in also a keyed hash of the username tried, with the times of its recent attempts. Neither the address nor the username is kept.',
  purpose: 'Slowing down password guessing and floods.',
  legalBasis: SECURITY,
  retention: KEY_LIFE,
  personal: true,
});

export interface RateLimit {
  /** Attempts allowed per window. */
  limit: number;
  windowMs: number;
  /** Most clients tracked at once; beyond it the least recently seen is forgotten. Default 10 000. */
  maxKeys?: number;
}

/** Sign-in (and setup) attempts: 10 per 5 minutes per client. */
export const LOGIN_RATE_LIMIT: RateLimit = { limit: 10, windowMs: 5 * 60 * 1000, maxKeys: 10_000 };

/** Sign-in attempts per username are counted over this window (limit: PARLEY_LOGIN_ATTEMPTS_PER_USER). */
export const USERNAME_LOGIN_WINDOW_MS = 15 * 60 * 1000;

const DEFAULT_MAX_KEYS = 10_000;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Sliding-window rate limiting per client address, without keeping addresses: each address is
 * replaced by its keyed hash (IpHasher), and everything is forgotten when the hasher's key rotates
 * (old hashes can never match again, and nothing about an address may outlive
 * PARLEY_IP_RETENTION_S). Per client it keeps at most `limit` attempt times, and at most `maxKeys`
 * clients, so memory stays bounded under a flood of distinct addresses.
 */
export class RateLimiter {
  readonly #hasher: IpHasher;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** hashed address → attempt times (ms), oldest first. Map order = least recently seen first. */
  readonly #attempts = new Map<string, number[]>();
  readonly #unsubscribe: () => void;

  constructor(hasher: IpHasher, options: RateLimit) {
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!(options.limit >= 1 && options.windowMs > 0 && maxKeys >= 1)) {
      throw new RangeError('A rate limit needs limit ≥ 1, windowMs > 0 and maxKeys ≥ 1.');
    }
    this.#hasher = hasher;
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxKeys = maxKeys;
    this.#unsubscribe = hasher.onRotate(() => this.#attempts.clear());
  }

  /** Records an attempt from `clientAddress` unless that client is over its limit. */
  hit(clientAddress: string): RateDecision {
    const key = this.#hasher.hash(clientAddress);
    const now = Date.now();
    const windowStart = now - this.#windowMs;
    const times = (this.#attempts.get(key) ?? []).filter((time) => time > windowStart);
    // Re-insert so that the Map's order stays "least recently seen first".
    this.#attempts.delete(key);
    if (times.length >= this.#limit) {
      this.#attempts.set(key, times);
      const oldest = times[0]!;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.#windowMs - now) / 1000)),
      };
    }
    times.push(now);
    this.#attempts.set(key, times);
    this.#evict(windowStart);
    return { allowed: true };
  }

  /** Number of clients currently tracked. */
  get size(): number {
    return this.#attempts.size;
  }

  close(): void {
    this.#unsubscribe();
    this.#attempts.clear();
  }

  /**
   * Stale clients gather at the front of the Map: drop those (cheap, amortised), then, over the
   * cap, the least recently seen.
   */
  #evict(windowStart: number): void {
    for (const [key, times] of this.#attempts) {
      const last = times[times.length - 1];
      if (this.#attempts.size > this.#maxKeys || (last !== undefined && last <= windowStart)) {
        this.#attempts.delete(key);
      } else {
        break;
      }
    }
  }
}
