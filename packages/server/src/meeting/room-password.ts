// Privacy: keeps a salted scrypt hash of the room password, in memory, until a moderator removes or
// changes it or the meeting ends. The password itself is never kept.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { CONTRACT } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const ROOM_PASSWORDS_STORE = defineStore({
  id: 'room-passwords',
  name: 'Room password',
  data: 'A salted scrypt hash of the password a moderator set for the meeting; the password itself is not kept.',
  purpose: 'Letting in only people who know the password.',
  legalBasis: CONTRACT,
  retention: 'Until a moderator removes or changes it, at the latest until the meeting ends.',
  personal: false,
});

/** Cheap enough for every joiner, costly enough that a stolen memory dump is not a plain list. */
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;
/** Password checks one meeting runs at once; more joiners are asked to try again in a moment. */
export const MAX_CONCURRENT_CHECKS = 4;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, SCRYPT, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * A salted hash of a password in the form `verifier()` hands on, for a room that keeps its default
 * password (kept rooms): a meeting opened there takes it over with `restore`, the password never.
 */
export async function passwordVerifier(password: string): Promise<{ salt: string; key: string }> {
  const salt = randomBytes(16);
  const key = await derive(password, salt);
  return { salt: salt.toString('base64url'), key: key.toString('base64url') };
}

/** The password of one meeting, as a salted hash that lives only as long as the meeting. */
export class RoomPassword {
  private current: { salt: Buffer; key: Buffer } | null = null;
  /** Bumped on every change, so a slow hash started earlier cannot overwrite a later change. */
  private version = 0;
  private checking = 0;

  /** Take one of the meeting's MAX_CONCURRENT_CHECKS check slots; false when all are taken. */
  startCheck(): boolean {
    if (this.checking >= MAX_CONCURRENT_CHECKS) return false;
    this.checking++;
    return true;
  }

  endCheck(): void {
    this.checking = Math.max(0, this.checking - 1);
  }

  get isSet(): boolean {
    return this.current !== null;
  }

  /** Set or change (a string) or remove (null) the password. */
  async set(password: string | null): Promise<void> {
    const version = ++this.version;
    if (password === null) {
      this.current = null;
      return;
    }
    const salt = randomBytes(16);
    const key = await derive(password, salt);
    if (version === this.version) this.current = { salt, key };
  }

  /** The salted hash (base64url), for handing the meeting to another node (cluster); null when unset. */
  verifier(): { salt: string; key: string } | null {
    const current = this.current;
    return current && { salt: current.salt.toString('base64url'), key: current.key.toString('base64url') };
  }

  /** Take over a hash made by `verifier()` on another node. */
  restore(verifier: { salt: string; key: string } | null): void {
    this.version++;
    this.current = verifier && {
      salt: Buffer.from(verifier.salt, 'base64url'),
      key: Buffer.from(verifier.key, 'base64url'),
    };
  }

  /** True when no password is set or `password` is the one set. */
  async matches(password: string): Promise<boolean> {
    const current = this.current;
    if (!current) return true;
    const key = await derive(password, current.salt);
    return timingSafeEqual(key, current.key);
  }
}
