import { createHmac, randomBytes } from 'node:crypto';
import { addressPrefix } from './address-prefix.js';
import { SECURITY } from './legal-bases.js';
import { defineStore } from './memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const IP_HASH_KEY_STORE = defineStore({
  id: 'ip-hash-key',
  name: 'Address hashing key',
  data: 'The random secret key under which network addresses are hashed. Never written anywhere.',
  purpose: 'Making address hashes unlinkable once the key is replaced.',
  legalBasis: SECURITY,
  retention: (facts) => `Replaced by a new random key every ${facts.ipRetentionSeconds} seconds.`,
  personal: false,
});

export type RotationListener = () => void;

/**
 * Turns a client address into an opaque key for in-memory bookkeeping (rate limiting), so the
 * address itself is never kept. The HMAC key is random, lives only in memory and is replaced every
 * `retentionSeconds`: after a rotation, every key handed out before matches nothing any more, and
 * listeners (rate limiters) drop what they kept under the old keys. Nothing about an address
 * therefore outlives PARLEY_IP_RETENTION_S.
 */
export class IpHasher {
  #key = randomBytes(32);
  readonly #listeners = new Set<RotationListener>();
  readonly #timer: NodeJS.Timeout;

  constructor(retentionSeconds: number) {
    if (!(retentionSeconds > 0)) throw new RangeError('retentionSeconds must be positive.');
    this.#timer = setInterval(() => this.rotate(), retentionSeconds * 1000);
    this.#timer.unref();
  }

  /**
   * base64url HMAC-SHA256 of the address under the current key. IPv6 addresses are keyed by their
   * /64 (addressPrefix), so every limit keyed on this hash holds for a whole subscriber.
   */
  hash(address: string): string {
    return createHmac('sha256', this.#key).update(addressPrefix(address)).digest('base64url');
  }

  /** Calls `listener` after every key rotation. Returns a function that unsubscribes. */
  onRotate(listener: RotationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces the key now (also called by the timer). */
  rotate(): void {
    this.#key = randomBytes(32);
    for (const listener of this.#listeners) listener();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#listeners.clear();
  }
}
