import { Filter } from 'ldapts';
import { USERNAME_PLACEHOLDER } from './ldap-config.js';

/**
 * The operator's search filter with the typed username in place of `{username}`, escaped as
 * RFC 4515 asks (`*`, `(`, `)`, `\` and NUL as `\2a`, `\28`, `\29`, `\5c`, `\00`): whatever someone
 * types stays one value and never becomes a wildcard or another filter.
 */
export function userFilter(template: string, username: string): string {
  const value = Filter.escape(username);
  // A function, so that `$&` and the like in the value are not replacement patterns.
  return template.replaceAll(USERNAME_PLACEHOLDER, () => value);
}

/**
 * Matches a group entry that lists the person: by DN in `member` (groupOfNames, Active Directory)
 * or `uniqueMember` (groupOfUniqueNames), or by username in `memberUid` (posixGroup).
 */
export function membershipFilter(userDn: string, username: string): string {
  const dn = Filter.escape(userDn);
  return `(|(member=${dn})(uniqueMember=${dn})(memberUid=${Filter.escape(username)}))`;
}

/** A DN in a form two spellings of the same DN share: lower case, no spaces around separators. */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .toLowerCase()
    .replace(/\s*([,=+])\s*/g, '$1');
}
