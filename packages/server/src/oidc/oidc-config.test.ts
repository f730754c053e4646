import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config-error.js';
import { oidcConfigFrom } from './oidc-config.js';

const ONE = {
  PARLEY_OIDC_ISSUER: 'https://sso.example.org/realms/school',
  PARLEY_OIDC_CLIENT_ID: 'parley',
  PARLEY_OIDC_CLIENT_SECRET: 'secret',
};

describe('OIDC configuration from the environment', () => {
  it('has no provider when nothing is set', () => {
    expect(oidcConfigFrom({})).toEqual({ providers: [], redirectUri: undefined });
  });

  it('reads one provider with its defaults', () => {
    const [provider] = oidcConfigFrom(ONE).providers;
    expect(provider).toMatchObject({
      id: 'default',
      name: 'sso.example.org',
      clientId: 'parley',
      clientSecret: 'secret',
      usernameClaim: 'preferred_username',
      admin: undefined,
      scopes: 'openid profile',
    });
    expect(provider?.issuer.href).toBe('https://sso.example.org/realms/school');
  });

  it('reads the name, claims and numbered providers', () => {
    const config = oidcConfigFrom({
      ...ONE,
      PARLEY_OIDC_NAME: 'School account',
      PARLEY_OIDC_USERNAME_CLAIM: 'uid',
      PARLEY_OIDC_ADMIN_CLAIM: 'groups',
      PARLEY_OIDC_ADMIN_VALUE: 'parley-admins',
      PARLEY_OIDC_2_ISSUER: 'https://login.example.com',
      PARLEY_OIDC_2_CLIENT_ID: 'p2',
      PARLEY_OIDC_2_CLIENT_SECRET: 's2',
      PARLEY_OIDC_REDIRECT_URI: 'https://meet.example.org/api/oidc/callback',
    });
    expect(config.providers.map((provider) => [provider.id, provider.name])).toEqual([
      ['default', 'School account'],
      ['2', 'login.example.com'],
    ]);
    expect(config.providers[0]).toMatchObject({
      usernameClaim: 'uid',
      admin: { claim: 'groups', value: 'parley-admins' },
    });
    expect(config.redirectUri?.href).toBe('https://meet.example.org/api/oidc/callback');
  });

  it('refuses half a configuration, plain http elsewhere than loopback, and an odd callback', () => {
    expect(() => oidcConfigFrom({ PARLEY_OIDC_ISSUER: ONE.PARLEY_OIDC_ISSUER })).toThrow(ConfigError);
    expect(() => oidcConfigFrom({ ...ONE, PARLEY_OIDC_ADMIN_CLAIM: 'groups' })).toThrow(ConfigError);
    expect(() => oidcConfigFrom({ ...ONE, PARLEY_OIDC_ISSUER: 'http://sso.example.org' })).toThrow(
      ConfigError,
    );
    expect(oidcConfigFrom({ ...ONE, PARLEY_OIDC_ISSUER: 'http://127.0.0.1:9000' }).providers).toHaveLength(1);
    expect(() =>
      oidcConfigFrom({ ...ONE, PARLEY_OIDC_REDIRECT_URI: 'https://meet.example.org/elsewhere' }),
    ).toThrow(ConfigError);
  });
});
