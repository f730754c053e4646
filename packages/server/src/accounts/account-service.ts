/**
 * Accounts (users) and their sign-in sessions: the one object the server's routes, the command line
 * and the sign-on providers (OIDC, LDAP) use. Each job lives in its own module; this class ties them
 * to one database and clock and runs the background sweep of expired sessions:
 * - new-accounts.ts: creating accounts with a password (username and password rules, hashing);
 * - account-administration.ts: listing, deleting, changing roles (always one administrator left);
 * - sign-in.ts: password sign-in and accounts vouched for by OIDC or LDAP;
 * - sessions.ts: session tokens (only their hashes stored), expiry and the sweep;
 * - account-export.ts: everything kept about an account, for its owner.
 * Usernames are normalised with the protocol's `Username`.
 */
import type { AccountRole } from '@parley/protocol';
import type { Database } from '../store/database.js';
import {
  AccountAdministration,
  type AccountDeletion,
  type AccountSummary,
  type RoleChange,
  type SelfDeletion,
} from './account-administration.js';
import { type AccountData, AccountExport } from './account-export.js';
import { NewAccounts } from './new-accounts.js';
import { prepareDummyHash } from './password.js';
import { Sessions, type SessionUser } from './sessions.js';
import { SignIn } from './sign-in.js';

export type { AccountDeletion, AccountSummary, RoleChange, SelfDeletion } from './account-administration.js';
export type { AccountData } from './account-export.js';
export { InvalidAccountInputError, UsernameTakenError } from './new-accounts.js';
export type { SessionUser } from './sessions.js';
export { EXTERNAL_PASSWORD_HASH, LOCAL_ORIGIN } from './sign-in.js';

export interface AccountServiceOptions {
  /** Clock, for tests. */
  now?: () => number;
  /** How often expired sessions are deleted in the background; 0 turns the sweep off. Default: hourly. */
  sweepIntervalMs?: number;
  /** Told when a background sweep fails (e.g. the database was closed first). */
  onSweepError?: (error: unknown) => void;
}

const DEFAULT_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export class AccountService {
  readonly #newAccounts: NewAccounts;
  readonly #administration: AccountAdministration;
  readonly #signIn: SignIn;
  readonly #sessions: Sessions;
  readonly #export: AccountExport;
  readonly #sweepTimer: NodeJS.Timeout | undefined;

  constructor(db: Database, options: AccountServiceOptions = {}) {
    const now = options.now ?? Date.now;
    this.#newAccounts = new NewAccounts(db, now);
    this.#administration = new AccountAdministration(db);
    this.#signIn = new SignIn(db, now, this.#administration);
    this.#sessions = new Sessions(db, now);
    this.#export = new AccountExport(db, now);
    // Hashed now, so that not even the first sign-in with an unknown username is faster.
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

  // new-accounts.ts

  /** @throws InvalidAccountInputError, UsernameTakenError */
  createUser(username: string, password: string, role: AccountRole): Promise<SessionUser> {
    return this.#newAccounts.create(username, password, role);
  }

  /**
   * Creates the first administrator, only while no account exists; null when one exists already.
   * @throws InvalidAccountInputError
   */
  createFirstAdmin(username: string, password: string): Promise<SessionUser | null> {
    return this.#newAccounts.createFirstAdmin(username, password);
  }

  hasAnyUser(): Promise<boolean> {
    return this.#newAccounts.hasAnyUser();
  }

  // account-administration.ts

  /** Deletes the account and all its sessions. False when there is no such account. */
  deleteUser(username: string): Promise<boolean> {
    return this.#administration.deleteUser(username);
  }

  /** Deletes one's own account and its sessions, unless it is the last administrator. */
  deleteOwnAccount(userId: string): Promise<SelfDeletion> {
    return this.#administration.deleteOwnAccount(userId);
  }

  /** An administrator deletes someone else's account (never the last administrator). */
  deleteAccountOf(username: string, actingUserId: string): Promise<AccountDeletion> {
    return this.#administration.deleteAccountOf(username, actingUserId);
  }

  /** Makes an account an administrator or a user; never demotes the last administrator. */
  changeRole(username: string, role: AccountRole): Promise<RoleChange> {
    return this.#administration.changeRole(username, role);
  }

  /** Every account, by username in code-point order. */
  listUsers(): Promise<AccountSummary[]> {
    return this.#administration.listUsers();
  }

  // sign-in.ts

  /** The account these credentials belong to, or null (in the same time for unknown usernames). */
  verifyCredentials(username: string, password: string): Promise<SessionUser | null> {
    return this.#signIn.verifyCredentials(username, password);
  }

  /** The account an OIDC provider or LDAP directory vouched for, created at its first sign-in. */
  signInExternal(
    origin: string,
    username: string,
    role: AccountRole | undefined,
    isOwn?: (existingOrigin: string) => boolean,
  ): Promise<SessionUser | 'username-taken'> {
    return this.#signIn.external(origin, username, role, isOwn);
  }

  // sessions.ts

  /** Starts a session for the account and returns its token; only the token's hash is stored. */
  createSession(userId: string): Promise<string> {
    return this.#sessions.create(userId);
  }

  /** The account a session token belongs to, or null when unknown or expired (an expired one is deleted). */
  sessionUser(token: string): Promise<SessionUser | null> {
    return this.#sessions.user(token);
  }

  deleteSession(token: string): Promise<void> {
    return this.#sessions.delete(token);
  }

  /** Deletes every expired session; returns how many. */
  sweepExpired(): Promise<number> {
    return this.#sessions.sweepExpired();
  }

  // account-export.ts

  /** Everything kept about the account with this id, or null when there is none. */
  exportData(userId: string): Promise<AccountData | null> {
    return this.#export.of(userId);
  }

  /** `exportData` by username (for the command line). */
  exportDataOf(username: string): Promise<AccountData | null> {
    return this.#export.ofUsername(username);
  }
}
