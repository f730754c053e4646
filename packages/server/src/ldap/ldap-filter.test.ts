import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { membershipFilter, normalizeDn, userFilter } from './ldap-filter.js';

describe('LDAP filters', () => {
  it('puts the username into the filter as one escaped value (RFC 4515)', () => {
    expect(userFilter('(uid={username})', 'alice')).toBe('(uid=alice)');
    expect(userFilter('(uid={username})', '*)(uid=*')).toBe('(uid=\\2a\\29\\28uid=\\2a)');
    expect(userFilter('(uid={username})', 'a\\b\0')).toBe('(uid=a\\5cb\\00)');
    expect(userFilter('(|(uid={username})(cn={username}))', '$&')).toBe('(|(uid=$&)(cn=$&))');
    // Whatever is typed, the result is one equality match on the whole text.
    for (const typed of ['*', 'alic*', '*)(uid=*', 'x)(|(uid=alice)', '\\2a', '(', ')']) {
      const parsed = FilterParser.parseString(userFilter('(uid={username})', typed));
      expect(parsed.constructor.name, typed).toBe('EqualityFilter');
      expect((parsed as unknown as { value: string }).value, typed).toBe(typed);
    }
  });

  it('finds a group member by DN or by username', () => {
    expect(membershipFilter('uid=a*b,ou=people,dc=x', 'a*b')).toBe(
      '(|(member=uid=a\\2ab,ou=people,dc=x)(uniqueMember=uid=a\\2ab,ou=people,dc=x)(memberUid=a\\2ab))',
    );
  });

  it('compares DNs without regard to case or spaces around separators', () => {
    expect(normalizeDn('CN=Parley Admins, OU=Groups, DC=example, DC=org')).toBe(
      normalizeDn('cn=parley admins,ou=groups,dc=example,dc=org'),
    );
  });
});
