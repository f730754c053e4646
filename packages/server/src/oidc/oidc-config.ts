import { ConfigError } from '../config-error.js';

/** One OpenID Connect provider an operator configured (PARLEY_OIDC_* or PARLEY_OIDC_<n>_*). */
export interface OidcProviderConfig {
  /** Stable id in URLs (/api/oidc/login/<id>): `default` for PARLEY_OIDC_*, the number for PARLEY_OIDC_<n>_*. */
  id: string;
  /** Button label: "Sign in with <name>". */
  name: string;
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** The ID token / userinfo claim that gives the username (default `preferred_username`). */
  usernameClaim: string;
  /** Claim and value that make an administrator; unset: the provider never changes roles. */
  admin: { claim: string; value: string } | undefined;
  /** Scopes asked for (default `openid profile`). */
  scopes: string;
}

/** Everything OIDC sign-in needs from the environment. */
export interface OidcConfig {
  providers: OidcProviderConfig[];
  /** The callback URL registered at every provider (PARLEY_OIDC_REDIRECT_URI); unset: from the request. */
  redirectUri: URL | undefined;
}

/** Numbered providers PARLEY_OIDC_1_* … PARLEY_OIDC_9_* beside the unnumbered one. */
const MAX_NUMBERED = 9;

/** Reads PARLEY_OIDC_* (one provider) and PARLEY_OIDC_<n>_* (more); throws ConfigError on half a configuration. */
export function oidcConfigFrom(env: NodeJS.ProcessEnv): OidcConfig {
  const providers: OidcProviderConfig[] = [];
  const single = providerFrom(env, 'PARLEY_OIDC_', 'default');
  if (single) providers.push(single);
  for (let n = 1; n <= MAX_NUMBERED; n++) {
    const numbered = providerFrom(env, `PARLEY_OIDC_${n}_`, String(n));
    if (numbered) providers.push(numbered);
  }
  const redirect = env.PARLEY_OIDC_REDIRECT_URI?.trim();
  let redirectUri: URL | undefined;
  if (redirect) {
    redirectUri = parseUrl(redirect, 'PARLEY_OIDC_REDIRECT_URI');
    if (!redirectUri.pathname.endsWith('/api/oidc/callback')) {
      throw new ConfigError(
        'PARLEY_OIDC_REDIRECT_URI must end in /api/oidc/callback, e.g. https://meet.example.org/api/oidc/callback.',
      );
    }
  }
  return { providers, redirectUri };
}

function providerFrom(env: NodeJS.ProcessEnv, prefix: string, id: string): OidcProviderConfig | undefined {
  const read = (name: string) => env[`${prefix}${name}`]?.trim() || undefined;
  const issuerText = read('ISSUER');
  const clientId = read('CLIENT_ID');
  const clientSecret = read('CLIENT_SECRET');
  if (issuerText === undefined && clientId === undefined && clientSecret === undefined) return undefined;
  if (issuerText === undefined || clientId === undefined || clientSecret === undefined) {
    throw new ConfigError(
      `Set all of ${prefix}ISSUER, ${prefix}CLIENT_ID and ${prefix}CLIENT_SECRET, or none.`,
    );
  }
  const issuer = parseUrl(issuerText, `${prefix}ISSUER`);
  if (issuer.protocol !== 'https:' && !isLoopbackHost(issuer.hostname)) {
    throw new ConfigError(
      `${prefix}ISSUER must be an https:// URL (plain http only on loopback, for tests).`,
    );
  }
  const adminClaim = read('ADMIN_CLAIM');
  const adminValue = read('ADMIN_VALUE');
  if ((adminClaim === undefined) !== (adminValue === undefined)) {
    throw new ConfigError(`Set both ${prefix}ADMIN_CLAIM and ${prefix}ADMIN_VALUE, or neither.`);
  }
  const name = read('NAME') ?? issuer.hostname;
  if (name.length > 64) throw new ConfigError(`${prefix}NAME has at most 64 characters.`);
  return {
    id,
    name,
    issuer,
    clientId,
    clientSecret,
    usernameClaim: read('USERNAME_CLAIM') ?? 'preferred_username',
    admin: adminClaim && adminValue ? { claim: adminClaim, value: adminValue } : undefined,
    scopes: read('SCOPES') ?? 'openid profile',
  };
}

function parseUrl(text: string, name: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${text}".`);
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
