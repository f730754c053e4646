/**
 * Sign-in sessions: a random token in the person's cookie, only its hash in the database (a leaked
 * database signs nobody in), an absolute lifetime, and a sweep that deletes the expired ones.
 */
import type { AccountRole } from '@parley/protocol';
import type { Database } from '../store/database.js';
import { hashSessionToken, newSessionToken, SESSION_LIFETIME_MS } from './session-token.js';

/** Who a valid session belongs to. */
export interface SessionUser {
  id: string;
  username: string;
  role: AccountRole;
}

/** Longer than any token this service issues (43 characters); cheap early exit for garbage. */
const MAX_TOKEN_LENGTH = 128;

export class Sessions {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** Starts a session for the account and returns its token; only the token's hash is stored. */
  async create(userId: string): Promise<string> {
    const token = newSessionToken();
    const now = this.now();
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: hashSessionToken(token),
        user_id: userId,
        created_at: now,
        expires_at: now + SESSION_LIFETIME_MS,
      })
      .execute();
    return token;
  }

  /** The account a session token belongs to, or null when unknown or expired (an expired one is deleted). */
  async user(token: string): Promise<SessionUser | null> {
    if (token === '' || token.length > MAX_TOKEN_LENGTH) return null;
    const tokenHash = hashSessionToken(token);
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.username', 'users.role', 'sessions.expires_at'])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (row === undefined) return null;
    if (Number(row.expires_at) <= this.now()) {
      await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
      return null;
    }
    return { id: row.id, username: row.username, role: row.role };
  }

  async delete(token: string): Promise<void> {
    if (token === '' || token.length > MAX_TOKEN_LENGTH) return;
    await this.db.deleteFrom('sessions').where('token_hash', '=', hashSessionToken(token)).execute();
  }

  /** Deletes every expired session; returns how many. */
  async sweepExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<=', this.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
