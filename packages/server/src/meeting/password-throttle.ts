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
  /** Password checks (scrypt, 16 MiB each) one client may have running at once. */
  maxConcurrentPerClient?: number;
  now?: () => number;
}

interface Attempts {
  failures: number;
  blockedUntil: number;
}

/** The outcome of `reserve`: go ahead (an attempt is counted now), or wait this many seconds. */
export type PasswordAttempt = { allowed: true; waitAfterFailure: number } | { allowed: false; wait: number };

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
  private readonly maxConcurrent: number;
  /** Checks running per client: many parallel guesses would otherwise all start before one fails. */
  private readonly running = new Map<string, number>();

  constructor(options: PasswordThrottleOptions = {}) {
    this.maxConcurrent = options.maxConcurrentPerClient ?? 1;
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

  /**
   * Before a password is checked: refuse while the client must wait or already has
   * `maxConcurrentPerClient` checks running; otherwise count the attempt as wrong at once (a right
   * password undoes it with `release(key, true)`), so parallel guesses cannot all pass this gate
   * before the first failure is recorded. Every allowed reservation must be released.
   */
  reserve(key: string): PasswordAttempt {
    const wait = this.waitSeconds(key);
    if (wait > 0) return { allowed: false, wait };
    const running = this.running.get(key) ?? 0;
    if (running >= this.maxConcurrent) return { allowed: false, wait: 1 };
    this.running.set(key, running + 1);
    return { allowed: true, waitAfterFailure: this.failed(key) };
  }

  /** The check reserved with `reserve` finished; `right`: the password was right. */
  release(key: string, right: boolean): void {
    const running = (this.running.get(key) ?? 1) - 1;
    if (running > 0) this.running.set(key, running);
    else this.running.delete(key);
    if (right) this.succeeded(key);
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
