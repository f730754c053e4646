/**
 * Who is signing in: a Parley password checked against its hash (with the same work for unknown
 * usernames, so timing reveals no account), or an account a single sign-on provider or directory
 * vouched for (OIDC, LDAP), created at its first sign-in.
 */
import { randomUUID } from 'node:crypto';
import { type AccountRole, Username } from '@parley/protocol';
import type { Database } from '../store/database.js';
import { isUniqueViolation } from '../store/errors.js';
import type { AccountAdministration } from './account-administration.js';
import { firstIssueMessage } from './input.js';
import { InvalidAccountInputError } from './new-accounts.js';
import { verifyAgainstDummy, verifyPassword } from './password.js';
import type { SessionUser } from './sessions.js';

/**
 * The password hash of an account from a single sign-on provider: not a PHC string, so no password
 * ever matches it (verifyCredentials refuses it before even trying).
 */
export const EXTERNAL_PASSWORD_HASH = '!external';
/** The origin of accounts with a Parley password (users.origin). */
export const LOCAL_ORIGIN = 'local';

export class SignIn {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly administration: AccountAdministration,
  ) {}

  /**
   * The account these credentials belong to, or null. Unknown usernames cost the same password
   * check as known ones, so timing does not reveal which accounts exist.
   */
  async verifyCredentials(username: string, password: string): Promise<SessionUser | null> {
    const parsed = Username.safeParse(username);
    const user = parsed.success
      ? await this.db
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
  async external(
    origin: string,
    username: string,
    role: AccountRole | undefined,
    isOwn: (existingOrigin: string) => boolean = (existing) => existing === origin,
  ): Promise<SessionUser | 'username-taken'> {
    const name = Username.safeParse(username);
    if (!name.success) throw new InvalidAccountInputError(firstIssueMessage(name.error));
    const existing = await this.db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'origin'])
      .where('username', '=', name.data)
      .executeTakeFirst();
    if (existing !== undefined) {
      if (!isOwn(existing.origin)) return 'username-taken';
      if (role === undefined || role === existing.role) {
        return { id: existing.id, username: existing.username, role: existing.role };
      }
      const outcome = await this.administration.changeRole(existing.username, role);
      const now = outcome === 'changed' ? role : existing.role;
      return { id: existing.id, username: existing.username, role: now };
    }
    const row = {
      id: randomUUID(),
      username: name.data,
      password_hash: EXTERNAL_PASSWORD_HASH,
      role: role ?? 'user',
      created_at: this.now(),
      origin,
    };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (error) {
      // Someone else took the name in the same moment: if it is this origin's account, that is us.
      if (!isUniqueViolation(error)) throw error;
      const raced = await this.db
        .selectFrom('users')
        .select(['id', 'username', 'role', 'origin'])
        .where('username', '=', name.data)
        .executeTakeFirst();
      if (raced === undefined || !isOwn(raced.origin)) return 'username-taken';
      return { id: raced.id, username: raced.username, role: raced.role };
    }
    return { id: row.id, username: row.username, role: row.role };
  }
}
