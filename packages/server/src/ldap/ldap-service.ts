import type { AccountRole } from '@parley/protocol';
import { Username } from '@parley/protocol';
import type { AccountService, SessionUser } from '../accounts/account-service.js';
import type { Logger } from '../logger.js';
import type { LdapConfig } from './ldap-config.js';
import { type DirectoryAnswer, LdapDirectory, type LdapDirectoryOptions } from './ldap-directory.js';

/** Why a directory sign-in did not sign anyone in; the login route answers each differently. */
export type LdapFailure =
  /** Unknown username, wrong or empty password: to the person, "wrong username or password". */
  | 'refused'
  /** The entry has no username attribute that fits Parley's usernames. */
  | 'no-username'
  /** An account from elsewhere (a local one, another provider) holds the username. */
  | 'username-taken'
  /** The directory could not be asked (down, TLS, search account, configuration). */
  | 'unavailable';

export type LdapOutcome = { ok: true; user: SessionUser } | { ok: false; reason: LdapFailure };

/** What the login route needs from a directory: accounts/routes.ts knows only this. */
export interface PasswordDirectory {
  signIn(username: string, password: string): Promise<LdapOutcome>;
}

/**
 * Password sign-in against an LDAP directory: the directory checks the password, and the account
 * is found or created at the first sign-in (origin `ldap:<url>`, no usable Parley password),
 * its role following PARLEY_LDAP_ADMIN_GROUP at every sign-in when that is set.
 */
export class LdapService implements PasswordDirectory {
  readonly #config: LdapConfig;
  readonly #directory: LdapDirectory;
  readonly #accounts: AccountService;
  readonly #logger: Pick<Logger, 'warn'>;

  constructor(
    config: LdapConfig,
    accounts: AccountService,
    logger: Pick<Logger, 'warn'>,
    options: LdapDirectoryOptions = {},
  ) {
    this.#config = config;
    this.#directory = new LdapDirectory(config, options);
    this.#accounts = accounts;
    this.#logger = logger;
  }

  async signIn(username: string, password: string): Promise<LdapOutcome> {
    const answer: DirectoryAnswer = await this.#directory.authenticate(username, password);
    if (answer.kind === 'unavailable') {
      this.#logger.warn({ reason: answer.reason }, 'LDAP directory unavailable; directory sign-in refused');
      return { ok: false, reason: 'unavailable' };
    }
    if (answer.kind === 'refused') {
      if (answer.reason === 'several-entries') {
        this.#logger.warn(
          'PARLEY_LDAP_SEARCH_FILTER found more than one entry for a username; that sign-in was refused',
        );
      }
      return { ok: false, reason: 'refused' };
    }
    const parsed = Username.safeParse(answer.username);
    if (!parsed.success) return { ok: false, reason: 'no-username' };
    const role: AccountRole | undefined =
      answer.admin === undefined ? undefined : answer.admin ? 'admin' : 'user';
    const result = await this.#accounts.signInExternal(
      ldapOrigin(this.#config),
      parsed.data,
      role,
      isDirectoryOrigin,
    );
    if (result === 'username-taken') return { ok: false, reason: 'username-taken' };
    return { ok: true, user: result };
  }
}

/** What the users table records as the origin of a directory's accounts: `ldap:` and its URL. */
export function ldapOrigin(config: Pick<LdapConfig, 'url'>): string {
  return `ldap:${config.url}`;
}

/**
 * Parley has one directory at a time, so every `ldap:` account is the directory's, whatever URL
 * reached it when the account was made: moving from StartTLS on 389 to LDAPS on 636, or to another
 * server of the same directory, must not lock everyone out.
 */
function isDirectoryOrigin(origin: string): boolean {
  return origin.startsWith('ldap:');
}
