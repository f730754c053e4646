import { isIP, connect as tcpConnect } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  Client,
  type Entry,
  InappropriateAuthError,
  InvalidCredentialsError,
  NoSuchObjectError,
  ResultCodeError,
  SizeLimitExceededError,
  UnwillingToPerformError,
} from 'ldapts';
import type { LdapConfig } from './ldap-config.js';
import { membershipFilter, normalizeDn, userFilter } from './ldap-filter.js';

/** Why the directory said no: never told to the person beyond "wrong username or password". */
export type RefusalReason = 'empty-password' | 'no-entry' | 'several-entries' | 'wrong-password';

/** What the directory made of a username and password. */
export type DirectoryAnswer =
  /** The password is right. `username` is the entry's username attribute (undefined: it has none). */
  | { kind: 'accepted'; username: string | undefined; admin: boolean | undefined }
  | { kind: 'refused'; reason: RefusalReason }
  /** The directory could not answer; `reason` is for the operator's log and names no person. */
  | { kind: 'unavailable'; reason: string };

export interface LdapDirectoryOptions {
  /** How long connecting (TCP, and TLS for ldaps://) may take. Default 5 s. */
  connectTimeoutMs?: number;
  /** How long each LDAP operation may take. Default 10 s. */
  operationTimeoutMs?: number;
}

/**
 * Checks a username and password against an LDAP directory (ldapts), one connection per sign-in:
 * bind as the search account (or stay anonymous), find the person's entry with the operator's
 * filter, look up the administrators' group, then bind as that entry with the password.
 */
export class LdapDirectory {
  readonly #config: LdapConfig;
  readonly #connectTimeout: number;
  readonly #operationTimeout: number;

  constructor(config: LdapConfig, options: LdapDirectoryOptions = {}) {
    this.#config = config;
    this.#connectTimeout = options.connectTimeoutMs ?? 5000;
    this.#operationTimeout = options.operationTimeoutMs ?? 10_000;
  }

  async authenticate(username: string, password: string): Promise<DirectoryAnswer> {
    // An empty password makes a simple bind "unauthenticated" (RFC 4513, 5.1.2): many servers answer
    // it with success whatever the DN. It never reaches the directory.
    if (password === '') return { kind: 'refused', reason: 'empty-password' };
    if (username === '') return { kind: 'refused', reason: 'no-entry' };
    const client = this.#client();
    try {
      if (this.#config.startTls) await client.startTLS(this.#startTlsOptions());
      const bind = this.#config.bind;
      if (bind) {
        try {
          await client.bind(bind.dn, bind.password);
        } catch (error) {
          if (error instanceof InvalidCredentialsError) {
            return {
              kind: 'unavailable',
              reason: 'the search account was refused (PARLEY_LDAP_BIND_DN, _PASSWORD)',
            };
          }
          throw error;
        }
      }
      const found = await this.#findPerson(client, username);
      if (found.kind !== 'found') return { kind: 'refused', reason: found.kind };
      const { entry } = found;
      const entryUsername = usernameOf(entry, this.#config.usernameAttribute, username);
      const admin = await this.#isAdmin(client, entry, entryUsername ?? username);
      if (admin === 'no-group') {
        return {
          kind: 'unavailable',
          reason: 'the administrators’ group does not exist (PARLEY_LDAP_ADMIN_GROUP)',
        };
      }
      try {
        await client.bind(entry.dn, password);
      } catch (error) {
        if (refusesPassword(error)) return { kind: 'refused', reason: 'wrong-password' };
        throw error;
      }
      return { kind: 'accepted', username: entryUsername, admin };
    } catch (error) {
      return { kind: 'unavailable', reason: describe(error) };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  #client(): Client {
    const secure = this.#config.url.startsWith('ldaps:');
    let connections = 0;
    return new Client({
      url: this.#config.url,
      connectTimeout: this.#connectTimeout,
      timeout: this.#operationTimeout,
      // Only for ldaps:// — ldapts treats any tlsOptions as "connect with TLS".
      ...(secure && { tlsOptions: this.#tlsOptions() }),
      // One connection per sign-in. ldapts would quietly reconnect a dropped connection, and after
      // StartTLS that new connection would be plain text with the password still to come.
      createConnection: ((port: number, host: string) => {
        connections += 1;
        if (connections > 1) throw new ConnectionLostError();
        return tcpConnect(port, host);
      }) as unknown as typeof tcpConnect,
    });
  }

  #tlsOptions(): ConnectionOptions {
    return { minVersion: 'TLSv1.2', ...(this.#config.tlsCa !== undefined && { ca: this.#config.tlsCa }) };
  }

  /** TLS on the open connection: the host name must be given, or Node would check for "localhost". */
  #startTlsOptions(): ConnectionOptions {
    const url = new URL(this.#config.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return { ...this.#tlsOptions(), host, ...(isIP(host) === 0 && { servername: host }) };
  }

  async #findPerson(
    client: Client,
    username: string,
  ): Promise<{ kind: 'found'; entry: Entry } | { kind: 'no-entry' } | { kind: 'several-entries' }> {
    let entries: Entry[];
    try {
      ({ searchEntries: entries } = await client.search(this.#config.searchBase, {
        scope: 'sub',
        filter: userFilter(this.#config.searchFilter, username),
        // Two are enough to know the filter is not unique.
        sizeLimit: 2,
        attributes: [this.#config.usernameAttribute, 'memberOf'],
      }));
    } catch (error) {
      if (error instanceof SizeLimitExceededError) return { kind: 'several-entries' };
      throw error;
    }
    // Referrals (Active Directory lists its DNS zones beside a domain) are not followed.
    if (entries.length === 0) return { kind: 'no-entry' };
    if (entries.length > 1) return { kind: 'several-entries' };
    return { kind: 'found', entry: entries[0]! };
  }

  /**
   * Whether the person is in PARLEY_LDAP_ADMIN_GROUP: the entry's own `memberOf` (Active Directory,
   * OpenLDAP's memberof overlay), else the group entry's `member`, `uniqueMember` or `memberUid`.
   * Undefined without a configured group; 'no-group' when it does not exist.
   */
  async #isAdmin(client: Client, entry: Entry, username: string): Promise<boolean | undefined | 'no-group'> {
    const group = this.#config.adminGroup;
    if (group === undefined) return undefined;
    const wanted = normalizeDn(group);
    if (allValues(entry, 'memberOf').some((dn) => normalizeDn(dn) === wanted)) return true;
    try {
      const { searchEntries } = await client.search(group, {
        scope: 'base',
        filter: membershipFilter(entry.dn, username),
        attributes: ['1.1'],
      });
      return searchEntries.length > 0;
    } catch (error) {
      if (error instanceof NoSuchObjectError) return 'no-group';
      throw error;
    }
  }
}

/** Answers to the person's own bind that mean "not with this password" rather than "broken". */
function refusesPassword(error: unknown): boolean {
  return (
    error instanceof InvalidCredentialsError ||
    // An entry without a password (48), or one the server will not let in, e.g. disabled (53).
    error instanceof InappropriateAuthError ||
    error instanceof UnwillingToPerformError
  );
}

/** The attribute's values as text, its name matched without regard to case (servers answer in their own spelling). */
function allValues(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase());
  if (key === undefined || key === 'dn') return [];
  const value = entry[key];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.map((item) => (Buffer.isBuffer(item) ? item.toString('utf8') : item));
}

/**
 * The entry's username. Of several values (`uid` may have more), the one that was typed: LDAP keeps
 * an attribute's values unordered, so "the first" could change from one sign-in to the next.
 */
function usernameOf(entry: Entry, attribute: string, typed: string): string | undefined {
  const values = allValues(entry, attribute);
  return values.find((value) => value.toLowerCase() === typed.toLowerCase()) ?? values[0];
}

/** ldapts would have opened a second connection: the first closed in the middle of a sign-in. */
class ConnectionLostError extends Error {
  constructor() {
    super('the connection closed during the sign-in');
  }
}

/**
 * A short reason for the operator's log: a network or TLS error code, an LDAP result, a timeout;
 * never an ldapts message as such (some quote the filter, which holds the typed username).
 */
function describe(error: unknown): string {
  if (error instanceof ResultCodeError) return `${error.name} (LDAP result ${error.code})`;
  if (error instanceof ConnectionLostError) return error.message;
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (/timeout|timed out/i.test(error.message)) return 'timeout';
  if (error.message.startsWith('Connection closed')) return 'connection closed';
  if (error.message.startsWith('Socket error')) return 'socket error';
  return error.name;
}
