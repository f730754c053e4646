/**
 * Creating accounts with a Parley password (the command line, first-run setup, /admin): the protocol's
 * rules for usernames and passwords, and only an argon2id hash of the password stored.
 */
import { randomUUID } from 'node:crypto';
import { type AccountRole, Password, Username } from '@parley/protocol';
import type { Database } from '../store/database.js';
import { isUniqueViolation } from '../store/errors.js';
import { firstIssueMessage } from './input.js';
import { hashPassword } from './password.js';
import type { SessionUser } from './sessions.js';

/** A username or password that the protocol's rules reject; the message is the rule, readable. */
export class InvalidAccountInputError extends Error {}
export class UsernameTakenError extends Error {
  constructor() {
    super('An account with this username already exists.');
  }
}

export class NewAccounts {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** @throws InvalidAccountInputError, UsernameTakenError */
  async create(username: string, password: string, role: AccountRole): Promise<SessionUser> {
    const row = await this.newUserRow(username, password, role);
    try {
      await this.db.insertInto('users').values(row).execute();
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
    const row = await this.newUserRow(username, password, 'admin');
    try {
      // Check and insert in one serializable transaction. On SQLite, Kysely runs everything over one
      // connection, so concurrent calls in this process queue behind each other.
      const created = await this.db
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

  async hasAnyUser(): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
    return row !== undefined;
  }

  private async newUserRow(username: string, password: string, role: AccountRole) {
    const name = Username.safeParse(username);
    if (!name.success) throw new InvalidAccountInputError(firstIssueMessage(name.error));
    const secret = Password.safeParse(password);
    if (!secret.success) throw new InvalidAccountInputError(firstIssueMessage(secret.error));
    return {
      id: randomUUID(),
      username: name.data,
      password_hash: await hashPassword(secret.data),
      role,
      created_at: this.now(),
    };
  }
}
