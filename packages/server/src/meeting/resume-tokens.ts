// Privacy: keeps the signing key (inventory: resume-key), on disk too when the composition root passes
// loadResumeKey() (the inventory's resume-key-file). Resume tokens themselves are not stored: the client
// holds them; they carry a keyed hash of the room name, never the name.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Role } from '@parley/protocol';
import { SECURITY } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const RESUME_KEY_STORE = defineStore({
  id: 'resume-key',
  name: 'Reconnection signing key',
  data: 'The secret key that signs reconnection tokens (read from the data directory, or shared by the nodes of a cluster). The tokens themselves are held by the browsers, not by the server; they name the room only by a keyed hash.',
  purpose:
    'Letting someone whose connection dropped back into their meeting with their role, and nobody else.',
  legalBasis: SECURITY,
  retention: 'Until the server process stops.',
  personal: false,
});

/** A token stays valid this long; clients get a fresh one every RESUME_REISSUE_MS. */
export const RESUME_TOKEN_MS = 10 * 60_000;
export const RESUME_REISSUE_MS = 5 * 60_000;

const VERSION = 2;
const KEY_BYTES = 32;
export const RESUME_KEY_FILE = 'resume-key';

/** What a resume token says about the person it was issued to. */
export interface ResumeClaim {
  /** The meeting instance (Room.meetingId) they were admitted to. */
  meetingId: string;
  /** Their participant id then: a resume replaces that participant if the server still has it. */
  participantId: string;
  /**
   * A random id the person keeps across resumes (Participant.lineage): the meeting looks up their
   * current standing by it (role, hard mute, removal), which wins over the role named here.
   */
  lineage: string;
  role: Role;
  accountId: string | null;
  clientKey: string | null;
  /** Epoch ms. */
  expiresAt: number;
}

export interface ResumeTokensOptions {
  /** The signing key; every node of a cluster must use the same one. Read on every use, so it can rotate. */
  key?: () => Buffer;
  now?: () => number;
}

/**
 * Resume tokens: proof that someone was admitted to a running meeting, so that after a dropped
 * connection (network, server or node restart) they get straight back in with their role. Stateless
 * and HMAC-SHA256-signed: `base64url(payload).base64url(signature)`. The payload names the room only
 * by a keyed hash, so a token read off a device does not reveal the room name.
 */
export class ResumeTokens {
  private readonly key: () => Buffer;
  private readonly now: () => number;

  constructor(options: ResumeTokensOptions = {}) {
    const processKey = randomBytes(KEY_BYTES);
    this.key = options.key ?? (() => processKey);
    this.now = options.now ?? Date.now;
  }

  issue(roomName: string, claim: Omit<ResumeClaim, 'expiresAt'>): string {
    const fields = [
      VERSION,
      this.roomHash(roomName),
      claim.meetingId,
      claim.participantId,
      claim.lineage,
      claim.role,
      claim.accountId,
      claim.clientKey,
      this.now() + RESUME_TOKEN_MS,
    ];
    const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The claim of a genuine, unexpired token for this room; null for anything else. */
  verify(token: string, roomName: string): ResumeClaim | null {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (!Array.isArray(fields) || fields.length !== 9) return null;
    const [version, room, meetingId, participantId, lineage, role, accountId, clientKey, expiresAt] =
      fields as unknown[];
    if (
      version !== VERSION ||
      room !== this.roomHash(roomName) ||
      typeof meetingId !== 'string' ||
      typeof participantId !== 'string' ||
      typeof lineage !== 'string' ||
      (role !== 'moderator' && role !== 'participant') ||
      (accountId !== null && typeof accountId !== 'string') ||
      (clientKey !== null && typeof clientKey !== 'string') ||
      typeof expiresAt !== 'number' ||
      expiresAt <= this.now()
    ) {
      return null;
    }
    return { meetingId, participantId, lineage, role, accountId, clientKey, expiresAt };
  }

  private roomHash(roomName: string): string {
    return createHmac('sha256', this.key())
      .update(`resume-room:${roomName}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key()).update(`resume:${payload}`).digest('base64url');
  }
}

/**
 * The single-node signing key, kept in the data directory (mode 0600) so that tokens outlive a
 * restart of the server: that is when people most need to get back in. Created on first use.
 */
export function loadResumeKey(dataDir: string): () => Buffer {
  const file = path.join(dataDir, RESUME_KEY_FILE);
  let key: Buffer;
  try {
    key = readFileSync(file);
    if (key.length !== KEY_BYTES) throw new Error('wrong length');
  } catch {
    key = randomBytes(KEY_BYTES);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, key, { mode: 0o600 });
  }
  return () => key;
}
