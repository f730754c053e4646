/**
 * Administering existing accounts (/admin, the command line, /privacy's "delete my account"): list,
 * delete, change roles. Every change keeps at least one administrator, so that someone can still
 * administer the server, and runs in one transaction with that check.
 */
import type { AccountRole } from '@parley/protocol';
import { Username } from '@parley/protocol';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { Schema } from '../store/schema.js';

/** One row of the account list (for administrators; never includes the password hash). */
export interface AccountSummary {
  username: string;
  role: AccountRole;
  createdAt: Date;
}

/** What deleting one's own account came to. */
export type SelfDeletion = 'deleted' | 'not-found' | 'last-admin';

/** What an administrator's deletion of an account came to (/admin). */
export type AccountDeletion = 'deleted' | 'not-found' | 'last-admin' | 'self';

/** What changing an account's role came to (/admin). */
export type RoleChange = 'changed' | 'unchanged' | 'not-found' | 'last-admin';

export class AccountAdministration {
  constructor(private readonly db: Database) {}

  /** Deletes the account and all its sessions. False when there is no such account. */
  async deleteUser(username: string): Promise<boolean> {
    const parsed = Username.safeParse(username);
    if (!parsed.success) return false;
    return this.db.transaction().execute(async (trx) => {
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
    return this.db.transaction().execute(async (trx) => {
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
    return this.onAccount(username, async (trx, user) => {
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
    return this.onAccount(username, async (trx, user) => {
      if (user.role === role) return 'unchanged';
      if (user.role === 'admin' && (await adminCount(trx)) <= 1) return 'last-admin';
      await trx.updateTable('users').set({ role }).where('id', '=', user.id).execute();
      return 'changed';
    });
  }

  /** Every account, by username in code-point order. */
  async listUsers(): Promise<AccountSummary[]> {
    const rows = await this.db.selectFrom('users').select(['username', 'role', 'created_at']).execute();
    // Sorted here, not with ORDER BY: PostgreSQL would sort by the database's locale, where "a-b" and
    // "ab" may swap places; SQLite compares bytes. The list is short.
    rows.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
    return rows.map((row) => ({
      username: row.username,
      role: row.role,
      createdAt: new Date(Number(row.created_at)),
    }));
  }

  /**
   * Runs `change` on the account named `username` in one serializable transaction, so that the
   * last-administrator check and the change cannot interleave with another; 'not-found' when there is
   * no such account.
   */
  private async onAccount<T>(
    username: string,
    change: (trx: Transaction<Schema>, user: { id: string; role: AccountRole }) => Promise<T>,
  ): Promise<T | 'not-found'> {
    const parsed = Username.safeParse(username);
    if (!parsed.success) return 'not-found';
    return this.db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => {
        const user = await trx
          .selectFrom('users')
          .select(['id', 'role'])
          .where('username', '=', parsed.data)
          .executeTakeFirst();
        return user === undefined ? 'not-found' : change(trx, user);
      });
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
