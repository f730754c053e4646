import { randomUUID } from 'node:crypto';
import { type AccountRole, Password, Username } from '@parley/protocol';
import type { Transaction } from 'kysely';
import { type KeptRoomExport, KeptRoomStore } from '../kept-rooms/kept-room-store.js';
import type { Database } from '../store/database.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Schema } from '../store/schema.js';
import { firstIssueMessage } from './input.js';
import { hashPassword, prepareDummyHash, verifyAgainstDummy, verifyPassword } from './password.js';
import { hashSessionToken, newSessionToken, SESSION_LIFETIME_MS } from './session-token.js';

/** Who a valid session belongs to. */
export interface SessionUser {
  id: string;
  username: string;
  role: AccountRole;
}

/** One row of the account list (for administrators; never includes the password hash). */
export interface AccountSummary {
  username: string;
  role: AccountRole;
  createdAt: Date;
}

/**
 * Everything the database holds about one account, for its owner (GDPR Art. 15 and 20): no password
 * hash, no session token hashes. Times are ISO 8601 strings.
 */
export interface AccountData {
  /** `origin`: `local`, `oidc:<issuer>` or `ldap:<url>` (the provider or directory the account comes from). */
  account: { id: string; username: string; role: AccountRole; createdAt: string; origin: string };
  sessions: Array<{ createdAt: string; expiresAt: string }>;
  /** The rooms the account keeps with their settings (never a password, only whether one is set). */
  keptRooms: KeptRoomExport[];
}

/** What deleting one's own account came to. */
export type SelfDeletion = 'deleted' | 'not-found' | 'last-admin';

/** What an administrator's deletion of an account came to (/admin). */
export type AccountDeletion = 'deleted' | 'not-found' | 'last-admin' | 'self';

/** What changing an account's role came to (/admin). */
export type RoleChange = 'changed' | 'unchanged' | 'not-found' | 'last-admin';

/** A username or password that the protocol's rules reject; the message is the rule, readable. */
export class InvalidAccountInputError extends Error {}
export class UsernameTakenError extends Error {
  constructor() {
    super('An account with this username already exists.');
  }
}

export interface AccountServiceOptions {
  /** Clock, for tests. */
  now?: () => number;
  /** How often expired sessions are deleted in the background; 0 turns the sweep off. Default: hourly. */
  sweepIntervalMs?: number;
  /** Told when a background sweep fails (e.g. the database was closed first). */
  onSweepError?: (error: unknown) => void;
}

/**
 * The password hash of an account from a single sign-on provider: not a PHC string, so no password
 * ever matches it (verifyCredentials refuses it before even trying).
 */
export const EXTERNAL_PASSWORD_HASH = '!external';
/** The origin of accounts with a Parley password (users.origin). */
export const LOCAL_ORIGIN = 'local';

const DEFAULT_SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** Longer than any token this service issues (43 characters); cheap early exit for garbage. */
const MAX_TOKEN_LENGTH = 128;

/** Accounts (users) and their sign-in sessions. Usernames are normalised with the protocol's `Username`. */
export class AccountService {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #sweepTimer: NodeJS.Timeout | undefined;

  constructor(db: Database, options: AccountServiceOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    prepareDummyHash();
    const interval = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    if (interval > 0) {
      this.#sweepTimer = setInterval(() => {
        this.sweepExpired().catch((error: unknown) => options.onSweepError?.(error));
      }, interval);
      this.#sweepTimer.unref();
    }
  }

  /** Stops the background sweep. The database stays open: its owner closes it. */
  close(): void {
    clearInterval(this.#sweepTimer);
  }

  /** @throws InvalidAccountInputError, UsernameTakenError */
  async createUser(username: string, password: string, role: AccountRole): Promise<SessionUser> {
    const row = await this.#newUserRow(username, password, role);
    try {
      await this.#db.insertInto('users').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new UsernameTakenError();
      throw error;
    }
    return { id: row.id, username: row.username, role };
  }

  /**
   * Creates the first administrator, only while no account exists. Returns null when an account
   * exists already, also when another request created one at the same moment.
   * @throws InvalidAccountInputError
   */
  async createFirstAdmin(username: string, password: string): Promise<SessionUser | null> {
    if (await this.hasAnyUser()) return null;
    const row = await this.#newUserRow(username, password, 'admin');
    try {
      // Check and insert in one serializable transaction. On SQLite, Kysely runs everything over one
      // connection, so concurrent calls in this process queue behind each other.
      const created = await this.#db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async (trx) => {
          const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
          if (existing !== undefined) return false;
          await trx.insertInto('users').values(row).execute();
          return true;
        });
      return created ? { id: row.id, username: row.username, role: 'admin' } : null;
    } catch (error) {
      // A concurrent writer elsewhere (PostgreSQL serialization failure, SQLite busy snapshot when the
      // command line added a user meanwhile): if an account exists now, setup simply lost the race.
      if (await this.hasAnyUser()) return null;
      throw error;
    }
  }

  /** Deletes the account and all its sessions. False when there is no such account. */
  async deleteUser(username: string): Promise<boolean> {
    const parsed = Username.safeParse(username);
    if (!parsed.success) return false;
    return this.#db.transaction().execute(async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select('id')
        .where('username', '=', parsed.data)
        .executeTakeFirst();
      if (user === undefined) return false;
      // Explicit, so correctness never depends on the foreign-key pragma or dialect.
      await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
      await trx.deleteFrom('users').where('id', '=', user.id).execute();
      return true;
    });
  }

  /**
   * Deletes the account with this id and all its sessions, unless it is the last administrator
   * (then nobody could administer the server any more).
   */
  async deleteOwnAccount(userId: string): Promise<SelfDeletion> {
    return this.#db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
      if (user === undefined) return 'not-found';
      if (user.role === 'admin' && (await adminCount(trx)) <= 1) return 'last-admin';
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await trx.deleteFrom('users').where('id', '=', userId).execute();
      return 'deleted';
    });
  }

  /**
   * An administrator deletes someone's account (and its sessions) on /admin: never their own (that
   * is /privacy's "delete my account", with its own confirmation) and never the last administrator.
   */
  async deleteAccountOf(username: string, actingUserId: string): Promise<AccountDeletion> {
    const parsed = Username.safeParse(username);
    if (!parsed.success) return 'not-found';
    return this.#db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => {
        const user = await trx
          .selectFrom('users')
          .select(['id', 'role'])
          .where('username', '=', parsed.data)
          .executeTakeFirst();
        if (user === undefined) return 'not-found';
        if (user.id === actingUserId) return 'self';
        if (user.role === 'admin' && (await adminCount(trx)) <= 1) return 'last-admin';
        await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
        await trx.deleteFrom('users').where('id', '=', user.id).execute();
        return 'deleted';
      });
  }

  /**
   * Makes an account an administrator or a user; refuses to demote the last administrator. The new
   * role applies to the account's existing sessions at once (sessionUser reads it on every request).
   */
  async changeRole(username: string, role: AccountRole): Promise<RoleChange> {
    const parsed = Username.safeParse(username);
    if (!parsed.success) return 'not-found';
    return this.#db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => {
        const user = await trx
          .selectFrom('users')
          .select(['id', 'role'])
          .where('username', '=', parsed.data)
          .executeTakeFirst();
        if (user === undefined) return 'not-found';
        if (user.role === role) return 'unchanged';
        if (user.role === 'admin' && (await adminCount(trx)) <= 1) return 'last-admin';
        await trx.updateTable('users').set({ role }).where('id', '=', user.id).execute();
        return 'changed';
      });
  }

  /** Everything kept about the account with this id, or null when there is none. */
  async exportData(userId: string): Promise<AccountData | null> {
    const user = await this.#db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'created_at', 'origin'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (user === undefined) return null;
    const sessions = await this.#db
      .selectFrom('sessions')
      .select(['created_at', 'expires_at'])
      .where('user_id', '=', userId)
      // Expired rows not yet swept are still held, so they are part of the export too.
      .orderBy('created_at')
      .execute();
    return {
      account: {
        id: user.id,
        username: user.username,
        role: user.role,
        createdAt: isoTime(user.created_at),
        origin: user.origin,
      },
      sessions: sessions.map((session) => ({
        createdAt: isoTime(session.created_at),
        expiresAt: isoTime(session.expires_at),
      })),
      keptRooms: await new KeptRoomStore(this.#db, this.#now).exportFor(userId),
    };
  }

  /** `exportData` by username (for the command line). */
  async exportDataOf(username: string): Promise<AccountData | null> {
    const parsed = Username.safeParse(username);
    if (!parsed.success) return null;
    const user = await this.#db
      .selectFrom('users')
      .select('id')
      .where('username', '=', parsed.data)
      .executeTakeFirst();
    return user === undefined ? null : this.exportData(user.id);
  }

  /** Every account, by username in code-point order. */
  async listUsers(): Promise<AccountSummary[]> {
    const rows = await this.#db.selectFrom('users').select(['username', 'role', 'created_at']).execute();
    // Sorted here, not with ORDER BY: PostgreSQL would sort by the database's locale, where "a-b" and
    // "ab" may swap places; SQLite compares bytes. The list is short.
    rows.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
    return rows.map((row) => ({
      username: row.username,
      role: row.role,
      createdAt: new Date(Number(row.created_at)),
    }));
  }

  async hasAnyUser(): Promise<boolean> {
    const row = await this.#db.selectFrom('users').select('id').limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * The account these credentials belong to, or null. Unknown usernames cost the same password
   * check as known ones, so timing does not reveal which accounts exist.
   */
  async verifyCredentials(username: string, password: string): Promise<SessionUser | null> {
    const parsed = Username.safeParse(username);
    const user = parsed.success
      ? await this.#db
          .selectFrom('users')
          .select(['id', 'username', 'role', 'password_hash'])
          .where('username', '=', parsed.data)
          .executeTakeFirst()
      : undefined;
    if (user === undefined) {
      await verifyAgainstDummy(password);
      return null;
    }
    if (user.password_hash === EXTERNAL_PASSWORD_HASH) {
      // An account from a single sign-on provider: no password signs it in. Same work as a wrong one.
      await verifyAgainstDummy(password);
      return null;
    }
    if (!(await verifyPassword(user.password_hash, password))) return null;
    return { id: user.id, username: user.username, role: user.role };
  }

  /**
   * The account a single sign-on provider or directory vouched for (origin `oidc:<issuer>` or
   * `ldap:<url>`), created at the first sign-in with an unusable password. `role` (from the
   * provider's admin claim or the directory's group) is applied at every sign-in, except that the
   * last administrator is never demoted; undefined leaves the role alone (new accounts are users).
   * A username held by an account of another origin is refused, never merged: 'username-taken'.
   * `isOwn` says which existing origins count as this one (default: exactly `origin`).
   */
  async signInExternal(
    origin: string,
    username: string,
    role: AccountRole | undefined,
    isOwn: (existingOrigin: string) => boolean = (existing) => existing === origin,
  ): Promise<SessionUser | 'username-taken'> {
    const name = Username.safeParse(username);
    if (!name.success) throw new InvalidAccountInputError(firstIssueMessage(name.error));
    const existing = await this.#db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'origin'])
      .where('username', '=', name.data)
      .executeTakeFirst();
    if (existing !== undefined) {
      if (!isOwn(existing.origin)) return 'username-taken';
      if (role === undefined || role === existing.role) {
        return { id: existing.id, username: existing.username, role: existing.role };
      }
      const outcome = await this.changeRole(existing.username, role);
      const now = outcome === 'changed' ? role : existing.role;
      return { id: existing.id, username: existing.username, role: now };
    }
    const row = {
      id: randomUUID(),
      username: name.data,
      password_hash: EXTERNAL_PASSWORD_HASH,
      role: role ?? 'user',
      created_at: this.#now(),
      origin,
    };
    try {
      await this.#db.insertInto('users').values(row).execute();
    } catch (error) {
      // Someone else took the name in the same moment: if it is this origin's account, that is us.
      if (!isUniqueViolation(error)) throw error;
      const raced = await this.#db
        .selectFrom('users')
        .select(['id', 'username', 'role', 'origin'])
        .where('username', '=', name.data)
        .executeTakeFirst();
      if (raced === undefined || !isOwn(raced.origin)) return 'username-taken';
      return { id: raced.id, username: raced.username, role: raced.role };
    }
    return { id: row.id, username: row.username, role: row.role };
  }

  /** Starts a session for the account and returns its token; only the token's hash is stored. */
  async createSession(userId: string): Promise<string> {
    const token = newSessionToken();
    const now = this.#now();
    await this.#db
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
  async sessionUser(token: string): Promise<SessionUser | null> {
    if (token === '' || token.length > MAX_TOKEN_LENGTH) return null;
    const tokenHash = hashSessionToken(token);
    const row = await this.#db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.username', 'users.role', 'sessions.expires_at'])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (row === undefined) return null;
    if (Number(row.expires_at) <= this.#now()) {
      await this.#db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
      return null;
    }
    return { id: row.id, username: row.username, role: row.role };
  }

  async deleteSession(token: string): Promise<void> {
    if (token === '' || token.length > MAX_TOKEN_LENGTH) return;
    await this.#db.deleteFrom('sessions').where('token_hash', '=', hashSessionToken(token)).execute();
  }

  /** Deletes every expired session; returns how many. */
  async sweepExpired(): Promise<number> {
    const result = await this.#db
      .deleteFrom('sessions')
      .where('expires_at', '<=', this.#now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #newUserRow(username: string, password: string, role: AccountRole) {
    const name = Username.safeParse(username);
    if (!name.success) throw new InvalidAccountInputError(firstIssueMessage(name.error));
    const secret = Password.safeParse(password);
    if (!secret.success) throw new InvalidAccountInputError(firstIssueMessage(secret.error));
    return {
      id: randomUUID(),
      username: name.data,
      password_hash: await hashPassword(secret.data),
      role,
      created_at: this.#now(),
    };
  }
}

/** How many administrator accounts exist (inside the caller's transaction). */
async function adminCount(db: Database | Transaction<Schema>): Promise<number> {
  const admins = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(admins.count);
}

function isoTime(epochMillis: number | string): string {
  return new Date(Number(epochMillis)).toISOString();
}
