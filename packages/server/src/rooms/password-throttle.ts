import { declareStore } from '../privacy/memory-stores.js';

declareStore('rate-limit-keys');
// Privacy: keeps, per keyed hash of a client address (never the address itself), how many wrong room
// passwords it sent and until when it must wait, in memory, until the address hasher's key rotates
// (at most PARLEY_IP_RETENTION_S), the client gets a password right, or the oldest entries make room.

export interface PasswordThrottleOptions {
  /** Wrong passwords a client may send before it has to wait. */
  freeAttempts?: number;
  /** Wait after the last free attempt; doubles with every further wrong password. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Most clients tracked at once; beyond it the least recently seen is forgotten. */
  maxKeys?: number;
  now?: () => number;
}

interface Attempts {
  failures: number;
  blockedUntil: number;
}

/**
 * Slows down password guessing: after `freeAttempts` wrong room passwords a client waits, and every
 * further wrong password doubles the wait. Keyed on the keyed address hash the signaling session
 * holds, across all rooms, so trying many rooms gains nothing.
 */
export class PasswordThrottle {
  private readonly records = new Map<string, Attempts>();
  private readonly freeAttempts: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: PasswordThrottleOptions = {}) {
    this.freeAttempts = options.freeAttempts ?? 5;
    this.firstDelayMs = options.firstDelayMs ?? 2000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60 * 1000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds the client must still wait before its next password is even checked, or 0. */
  waitSeconds(key: string): number {
    const record = this.records.get(key);
    if (!record) return 0;
    const left = record.blockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Records a wrong password. Returns the seconds the client must now wait (0 while attempts are free). */
  failed(key: string): number {
    const record = this.records.get(key) ?? { failures: 0, blockedUntil: 0 };
    record.failures++;
    const beyond = record.failures - this.freeAttempts;
    if (beyond >= 0) {
      const delay = Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** Math.min(beyond, 30));
      record.blockedUntil = this.now() + delay;
    }
    // Re-insert so the Map's order stays "least recently seen first".
    this.records.delete(key);
    this.records.set(key, record);
    while (this.records.size > this.maxKeys) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
    return this.waitSeconds(key);
  }

  /** The right password: the client's count starts over. */
  succeeded(key: string): void {
    this.records.delete(key);
  }

  /** Forget everything (the address hasher's key rotated: old keys can never match again). */
  clear(): void {
    this.records.clear();
  }

  get size(): number {
    return this.records.size;
  }
}
