import { readFileSync } from 'node:fs';
import { FilterParser } from 'ldapts';
import { ConfigError } from '../config-error.js';
import { isLoopbackHost } from '../oidc/oidc-config.js';

/** The placeholder in PARLEY_LDAP_SEARCH_FILTER that the typed username (escaped) replaces. */
export const USERNAME_PLACEHOLDER = '{username}';

/** The directory an operator configured for password sign-in (PARLEY_LDAP_*). */
export interface LdapConfig {
  /** `ldap://host[:port]` or `ldaps://host[:port]`, without path or query. */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before anything is sent (PARLEY_LDAP_STARTTLS=1). */
  startTls: boolean;
  /** PEM certificates to trust for the directory (PARLEY_LDAP_TLS_CA_FILE); unset: the system's. */
  tlsCa: string | undefined;
  /** The search account (PARLEY_LDAP_BIND_DN and _PASSWORD); unset: the search is anonymous. */
  bind: { dn: string; password: string } | undefined;
  /** Where people's entries are searched, the whole subtree (PARLEY_LDAP_SEARCH_BASE). */
  searchBase: string;
  /** A filter with `{username}` (PARLEY_LDAP_SEARCH_FILTER); default `(<username attribute>={username})`. */
  searchFilter: string;
  /** The entry's attribute whose value is the Parley username (PARLEY_LDAP_USERNAME_ATTRIBUTE). */
  usernameAttribute: string;
  /** Members of this group are administrators, the others users (PARLEY_LDAP_ADMIN_GROUP); unset: roles are left alone. */
  adminGroup: string | undefined;
}

/** An attribute description as RFC 4512 allows it: a name (or OID) and options, nothing that could break a filter. */
const ATTRIBUTE = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)(;[A-Za-z0-9-]+)*$/;

/**
 * Reads PARLEY_LDAP_*; undefined when PARLEY_LDAP_URL is not set. Throws ConfigError on a
 * configuration that could not work or would send passwords in clear text.
 */
export function ldapConfigFrom(env: NodeJS.ProcessEnv): LdapConfig | undefined {
  const read = (name: string) => env[`PARLEY_LDAP_${name}`]?.trim() || undefined;
  const urlText = read('URL');
  if (urlText === undefined) {
    const stray = Object.keys(env).filter((name) => name.startsWith('PARLEY_LDAP_') && env[name]?.trim());
    if (stray.length > 0) throw new ConfigError(`${stray.join(', ')} set, but PARLEY_LDAP_URL is not.`);
    return undefined;
  }
  const url = directoryUrl(urlText);
  const secure = url.startsWith('ldaps:');
  const startTls = flag(read('STARTTLS'), 'PARLEY_LDAP_STARTTLS');
  if (secure && startTls) {
    throw new ConfigError(
      'PARLEY_LDAP_STARTTLS=1 is for ldap:// URLs; an ldaps:// connection is encrypted from the start.',
    );
  }
  if (!secure && !startTls && !isLoopbackHost(new URL(url).hostname)) {
    throw new ConfigError(
      `Refusing ${url} without TLS: passwords would cross the network in clear text. Use ldaps:// ` +
        '(usually port 636) or set PARLEY_LDAP_STARTTLS=1 (plain ldap:// only on loopback).',
    );
  }
  const bindDn = read('BIND_DN');
  // The password is taken as written: leading or trailing spaces may be part of it.
  const bindPassword = env.PARLEY_LDAP_BIND_PASSWORD || undefined;
  if ((bindDn === undefined) !== (bindPassword === undefined)) {
    throw new ConfigError(
      'Set both PARLEY_LDAP_BIND_DN and PARLEY_LDAP_BIND_PASSWORD (the search account), or neither (anonymous search).',
    );
  }
  const searchBase = read('SEARCH_BASE');
  if (searchBase === undefined) {
    throw new ConfigError(
      'PARLEY_LDAP_SEARCH_BASE is needed with PARLEY_LDAP_URL: the DN under which people are found, e.g. ou=people,dc=example,dc=org.',
    );
  }
  const usernameAttribute = read('USERNAME_ATTRIBUTE') ?? 'uid';
  if (!ATTRIBUTE.test(usernameAttribute)) {
    throw new ConfigError(
      `PARLEY_LDAP_USERNAME_ATTRIBUTE must be an attribute name such as uid or sAMAccountName, got "${usernameAttribute}".`,
    );
  }
  const searchFilter = read('SEARCH_FILTER') ?? `(${usernameAttribute}=${USERNAME_PLACEHOLDER})`;
  checkFilter(searchFilter);
  const caFile = read('TLS_CA_FILE');
  return {
    url,
    startTls,
    tlsCa: caFile === undefined ? undefined : readCa(caFile),
    bind: bindDn && bindPassword ? { dn: bindDn, password: bindPassword } : undefined,
    searchBase,
    searchFilter,
    usernameAttribute,
    adminGroup: read('ADMIN_GROUP'),
  };
}

/** `ldap://host[:port]` or `ldaps://host[:port]`: what the client connects to, nothing else. */
function directoryUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`PARLEY_LDAP_URL must be a URL such as ldaps://ldap.example.org, got "${text}".`);
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') {
    throw new ConfigError(`PARLEY_LDAP_URL must start with ldap:// or ldaps://, got "${text}".`);
  }
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '') {
    throw new ConfigError(
      `PARLEY_LDAP_URL names the server only (ldaps://host or ldaps://host:636); the search base goes into PARLEY_LDAP_SEARCH_BASE. Got "${text}".`,
    );
  }
  return `${url.protocol}//${url.host}`;
}

function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '0') return false;
  if (value === '1') return true;
  throw new ConfigError(`${name} is 1 or 0, got "${value}".`);
}

/** The filter must hold the placeholder and be a filter LDAP can read once it is filled in. */
function checkFilter(filter: string): void {
  if (!filter.includes(USERNAME_PLACEHOLDER)) {
    throw new ConfigError(
      `PARLEY_LDAP_SEARCH_FILTER must contain ${USERNAME_PLACEHOLDER}, e.g. (&(objectClass=person)(uid=${USERNAME_PLACEHOLDER})); got "${filter}".`,
    );
  }
  if (!filter.startsWith('(') || !filter.endsWith(')')) {
    throw new ConfigError(`PARLEY_LDAP_SEARCH_FILTER must be in parentheses, got "${filter}".`);
  }
  try {
    // ldapts's parser forgives a missing ")" at the end; a directory would not.
    if (!balanced(filter)) throw new Error('unbalanced parentheses');
    FilterParser.parseString(filter.replaceAll(USERNAME_PLACEHOLDER, 'x'));
  } catch {
    throw new ConfigError(`PARLEY_LDAP_SEARCH_FILTER is not an LDAP filter (RFC 4515): "${filter}".`);
  }
}

/** Every "(" closed, none closed early (parentheses inside values are written \28 and \29). */
function balanced(filter: string): boolean {
  let depth = 0;
  for (const char of filter) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (depth < 0) return false;
  }
  return depth === 0;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError(`PARLEY_LDAP_TLS_CA_FILE "${file}" cannot be read (${reason}).`);
  }
}
