import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config-error.js';
import { ldapConfigFrom } from './ldap-config.js';

const MINIMAL = {
  PARLEY_LDAP_URL: 'ldaps://ldap.example.org',
  PARLEY_LDAP_SEARCH_BASE: 'ou=people,dc=example,dc=org',
};

function refused(env: NodeJS.ProcessEnv): string {
  try {
    ldapConfigFrom(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('LDAP configuration from the environment', () => {
  it('has no directory when nothing is set', () => {
    expect(ldapConfigFrom({})).toBeUndefined();
  });

  it('reads a directory with its defaults', () => {
    expect(ldapConfigFrom(MINIMAL)).toEqual({
      url: 'ldaps://ldap.example.org',
      startTls: false,
      tlsCa: undefined,
      bind: undefined,
      searchBase: 'ou=people,dc=example,dc=org',
      searchFilter: '(uid={username})',
      usernameAttribute: 'uid',
      adminGroup: undefined,
    });
  });

  it('reads the search account, filter, attribute, group, StartTLS and CA file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-ldap-config-'));
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n');
    try {
      const config = ldapConfigFrom({
        PARLEY_LDAP_URL: 'ldap://dc1.example.org:389/',
        PARLEY_LDAP_STARTTLS: '1',
        PARLEY_LDAP_TLS_CA_FILE: ca,
        PARLEY_LDAP_BIND_DN: 'CN=parley,OU=Service Accounts,DC=example,DC=org',
        PARLEY_LDAP_BIND_PASSWORD: ' secret with spaces ',
        PARLEY_LDAP_SEARCH_BASE: 'DC=example,DC=org',
        PARLEY_LDAP_USERNAME_ATTRIBUTE: 'sAMAccountName',
        PARLEY_LDAP_ADMIN_GROUP: 'CN=Parley Admins,OU=Groups,DC=example,DC=org',
      });
      expect(config).toMatchObject({
        url: 'ldap://dc1.example.org:389',
        startTls: true,
        bind: { dn: 'CN=parley,OU=Service Accounts,DC=example,DC=org', password: ' secret with spaces ' },
        searchFilter: '(sAMAccountName={username})',
        usernameAttribute: 'sAMAccountName',
        adminGroup: 'CN=Parley Admins,OU=Groups,DC=example,DC=org',
      });
      expect(config?.tlsCa).toContain('BEGIN CERTIFICATE');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses plain ldap:// beyond loopback, and StartTLS on ldaps://', () => {
    expect(refused({ ...MINIMAL, PARLEY_LDAP_URL: 'ldap://ldap.example.org' })).toMatch(/clear text/);
    expect(refused({ ...MINIMAL, PARLEY_LDAP_STARTTLS: '1' })).toMatch(/for ldap:\/\/ URLs/);
    expect(ldapConfigFrom({ ...MINIMAL, PARLEY_LDAP_URL: 'ldap://127.0.0.1:3890' })?.url).toBe(
      'ldap://127.0.0.1:3890',
    );
  });

  it('refuses half or broken settings with a message that names the variable', () => {
    expect(refused({ PARLEY_LDAP_SEARCH_BASE: 'dc=example,dc=org' })).toMatch(/PARLEY_LDAP_URL is not/);
    expect(refused({ PARLEY_LDAP_URL: 'ldaps://ldap.example.org' })).toMatch(/PARLEY_LDAP_SEARCH_BASE/);
    expect(refused({ ...MINIMAL, PARLEY_LDAP_URL: 'https://ldap.example.org' })).toMatch(
      /ldap:\/\/ or ldaps:\/\//,
    );
    expect(refused({ ...MINIMAL, PARLEY_LDAP_URL: 'ldaps://ldap.example.org/dc=example,dc=org' })).toMatch(
      /names the server only/,
    );
    expect(refused({ ...MINIMAL, PARLEY_LDAP_BIND_DN: 'cn=parley,dc=example,dc=org' })).toMatch(/both/);
    expect(refused({ ...MINIMAL, PARLEY_LDAP_STARTTLS: 'yes' })).toMatch(/1 or 0/);
    expect(refused({ ...MINIMAL, PARLEY_LDAP_USERNAME_ATTRIBUTE: 'uid)(x' })).toMatch(/attribute name/);
    expect(refused({ ...MINIMAL, PARLEY_LDAP_TLS_CA_FILE: '/nonexistent/ca.pem' })).toMatch(/ENOENT/);
  });

  it('wants {username} in a filter LDAP can read', () => {
    expect(refused({ ...MINIMAL, PARLEY_LDAP_SEARCH_FILTER: '(uid=alice)' })).toMatch(
      /must contain \{username\}/,
    );
    expect(refused({ ...MINIMAL, PARLEY_LDAP_SEARCH_FILTER: '(&(uid={username})' })).toMatch(
      /not an LDAP filter/,
    );
    expect(refused({ ...MINIMAL, PARLEY_LDAP_SEARCH_FILTER: 'uid={username}' })).toMatch(/parentheses/);
    expect(
      ldapConfigFrom({
        ...MINIMAL,
        PARLEY_LDAP_SEARCH_FILTER:
          '(&(objectClass=user)(sAMAccountName={username})(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
      })?.searchFilter,
    ).toContain('{username}');
  });
});
