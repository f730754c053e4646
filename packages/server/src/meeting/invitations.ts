// Privacy: keeps, in memory only, (1) a random signing key, until the server stops; (2) the random ids
// of used one-use invitations, until each invitation's expiry; (3) per keyed hash of a room name
// (never the name), the time of its last "revoke all", until no invitation issued before it can still
// be valid (MAX_INVITATION_SECONDS). Invitations themselves are not stored: they are signed tokens.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_INVITATION_SECONDS } from '@parley/protocol';
import { SECURITY } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const INVITATION_KEY_STORE = defineStore({
  id: 'invitation-key',
  name: 'Invitation signing key',
  data: 'A random secret key that signs invitation links. Never written anywhere, so every invitation link stops working when the server restarts.',
  purpose: 'Making invitation links impossible to forge.',
  legalBasis: SECURITY,
  retention: 'Until the server process stops.',
  personal: false,
});
/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const INVITATION_USES_STORE = defineStore({
  id: 'invitation-uses',
  name: 'Used single-use invitations',
  data: 'The random ids of single-use invitation links that have been used, with their expiry. The links themselves are signed and not stored.',
  purpose: 'Making a single-use invitation work only once.',
  legalBasis: SECURITY,
  retention:
    'Until the invitation would have expired (at most 30 days), at the latest until the server restarts.',
  personal: false,
});
/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const INVITATION_REVOCATIONS_STORE = defineStore({
  id: 'invitation-revocations',
  name: 'Revoked invitations',
  data: 'For a meeting whose moderator revoked all its invitations: a keyed hash of the room name (never the name) and the time of the revocation; invitations issued before it no longer work.',
  purpose: 'Revoking invitation links.',
  legalBasis: SECURITY,
  retention:
    'Until every revoked invitation would have expired (at most 30 days), at the latest until the server restarts.',
  personal: false,
});

export const DEFAULT_INVITATION_SECONDS = 24 * 3600;

/** What a token says, once its signature checks out. */
interface Claims {
  /** Keyed hash of the room name. */
  room: string;
  /** Issued at, epoch ms. */
  issuedAt: number;
  /** Expires at, epoch ms. */
  expiresAt: number;
  singleUse: boolean;
  /** Random token id. */
  tokenId: string;
}

export interface Invitation {
  token: string;
  expiresAt: number;
  singleUse: boolean;
}

export type InvitationCheck =
  | { valid: true; tokenId: string; expiresAt: number; singleUse: boolean }
  | { valid: false; reason: 'tampered' | 'other-room' | 'expired' | 'revoked' | 'used' };

const REASON_TEXT: Record<Exclude<InvitationCheck, { valid: true }>['reason'], string> = {
  tampered: 'This invitation link is damaged or was altered. Ask the host for a new one.',
  'other-room': 'This invitation link is for another meeting.',
  expired: 'This invitation link has expired. Ask the host for a new one.',
  revoked: 'The host withdrew this invitation link. Ask the host for a new one.',
  used: 'This invitation link could be used only once and has already been used.',
};

export function invitationProblem(reason: Exclude<InvitationCheck, { valid: true }>['reason']): string {
  return REASON_TEXT[reason];
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Invitation links: HMAC-SHA256-signed tokens naming a room (by keyed hash), an expiry, optional
 * single use and a random id. The signing key is random and lives only in this process, so every
 * link dies with a restart — deliberately: revocations are kept in memory too, and a key that
 * outlived them would bring revoked links back to life.
 */
export class Invitations {
  private readonly key = randomBytes(32);
  /** tokenId → expiry (ms) of one-use invitations already used. */
  private readonly used = new Map<string, number>();
  /** room hash → time (ms) before which every invitation is revoked. */
  private readonly revokedBefore = new Map<string, number>();
  private readonly now: () => number;
  private prunedAt = 0;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  create(roomName: string, options: { expiresInSeconds?: number; singleUse?: boolean } = {}): Invitation {
    this.prune();
    const seconds = Math.min(options.expiresInSeconds ?? DEFAULT_INVITATION_SECONDS, MAX_INVITATION_SECONDS);
    const room = this.roomHash(roomName);
    // Strictly after the last revocation, even within the same millisecond.
    const issuedAt = Math.max(this.now(), (this.revokedBefore.get(room) ?? 0) + 1);
    const claims: Claims = {
      room,
      issuedAt,
      expiresAt: issuedAt + seconds * 1000,
      singleUse: options.singleUse ?? false,
      tokenId: randomBytes(12).toString('base64url'),
    };
    const payload = b64(
      JSON.stringify([
        claims.room,
        claims.issuedAt,
        claims.expiresAt,
        claims.singleUse ? 1 : 0,
        claims.tokenId,
      ]),
    );
    return {
      token: `${payload}.${this.sign(payload)}`,
      expiresAt: claims.expiresAt,
      singleUse: claims.singleUse,
    };
  }

  /** Checks a token for a room without using it up (see consume()). */
  check(token: string, roomName: string): InvitationCheck {
    this.prune();
    const claims = this.open(token);
    if (!claims) return { valid: false, reason: 'tampered' };
    if (claims.room !== this.roomHash(roomName)) return { valid: false, reason: 'other-room' };
    if (claims.expiresAt <= this.now()) return { valid: false, reason: 'expired' };
    if (claims.issuedAt <= (this.revokedBefore.get(claims.room) ?? 0))
      return { valid: false, reason: 'revoked' };
    if (claims.singleUse && this.used.has(claims.tokenId)) return { valid: false, reason: 'used' };
    return { valid: true, tokenId: claims.tokenId, expiresAt: claims.expiresAt, singleUse: claims.singleUse };
  }

  /** Marks a one-use invitation as used (it got someone in). */
  consume(check: Extract<InvitationCheck, { valid: true }>): void {
    if (check.singleUse) this.used.set(check.tokenId, check.expiresAt);
  }

  /** Every invitation issued so far for this room name stops working. */
  revokeAll(roomName: string): void {
    this.revokedBefore.set(this.roomHash(roomName), this.now());
  }

  /** Counts for the privacy inventory's tests: no contents. */
  get size(): { used: number; revocations: number } {
    return { used: this.used.size, revocations: this.revokedBefore.size };
  }

  private roomHash(roomName: string): string {
    return createHmac('sha256', this.key)
      .update(`room:${roomName}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`invitation:${payload}`).digest('base64url');
  }

  private open(token: string): Claims | null {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const fields: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (!Array.isArray(fields) || fields.length !== 5) return null;
      const [room, issuedAt, expiresAt, singleUse, tokenId] = fields as unknown[];
      if (
        typeof room !== 'string' ||
        typeof issuedAt !== 'number' ||
        typeof expiresAt !== 'number' ||
        (singleUse !== 0 && singleUse !== 1) ||
        typeof tokenId !== 'string'
      ) {
        return null;
      }
      return { room, issuedAt, expiresAt, singleUse: singleUse === 1, tokenId };
    } catch {
      return null;
    }
  }

  /** Drop what can no longer matter: used ids past their expiry, revocations older than any token. */
  private prune(): void {
    const now = this.now();
    if (now - this.prunedAt < 60_000) return;
    this.prunedAt = now;
    for (const [tokenId, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(tokenId);
    const oldest = now - MAX_INVITATION_SECONDS * 1000;
    for (const [room, at] of this.revokedBefore) if (at < oldest) this.revokedBefore.delete(room);
  }
}
