// Pending OIDC sign-ins (random state, nonce, PKCE verifier, the page to return to) live in memory
// for at most 10 minutes: the inventory item `oidc-pending`.
import { randomBytes } from 'node:crypto';
import type { AccountRole } from '@parley/protocol';
import { Username } from '@parley/protocol';
import * as client from 'openid-client';
import type { AccountService, SessionUser } from '../accounts/account-service.js';
import { SECURITY } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import type { OidcConfig, OidcProviderConfig } from './oidc-config.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const OIDC_PENDING_STORE = defineStore({
  id: 'oidc-pending',
  name: 'Pending single sign-on',
  data: 'For a sign-in started with an OpenID Connect provider: random state, nonce and PKCE verifier, the provider chosen and the Parley page to return to. Nothing about the person.',
  purpose:
    'Checking that the answer from the provider belongs to the sign-in this browser started (against forged or replayed answers).',
  legalBasis: SECURITY,
  retention: 'Until the sign-in finishes (used once), at most 10 minutes; never written to disk.',
  personal: false,
});

/** How long a started sign-in may take at the provider. */
export const PENDING_LIFETIME_MS = 10 * 60 * 1000;
/** At most this many sign-ins pending at once; the oldest goes first. */
const MAX_PENDING = 10_000;

interface Pending {
  providerId: string;
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  next: string;
  expiresAt: number;
}

/** Why a sign-in through a provider failed; the login page explains each. */
export type OidcFailure = 'expired' | 'failed' | 'no-username' | 'username-taken';

export type OidcOutcome =
  | { ok: true; user: SessionUser; next: string }
  | { ok: false; reason: OidcFailure; next: string };

export interface OidcServiceOptions {
  /** Clock, for tests. */
  now?: () => number;
  /** Seconds added to the local clock when checking tokens (openid-client's clockSkew), for tests. */
  clockSkewSeconds?: number;
}

/** OpenID Connect sign-in: authorization code flow with PKCE, state and nonce (openid-client). */
export class OidcService {
  readonly #config: OidcConfig;
  readonly #accounts: AccountService;
  readonly #now: () => number;
  readonly #clockSkew: number;
  readonly #discovered = new Map<string, Promise<client.Configuration>>();
  readonly #pending = new Map<string, Pending>();

  constructor(config: OidcConfig, accounts: AccountService, options: OidcServiceOptions = {}) {
    this.#config = config;
    this.#accounts = accounts;
    this.#now = options.now ?? Date.now;
    this.#clockSkew = options.clockSkewSeconds ?? 0;
  }

  /** The configured providers, for the login page: ids and names only. */
  providers(): Array<{ id: string; name: string }> {
    return this.#config.providers.map(({ id, name }) => ({ id, name }));
  }

  /** The fixed redirect URI, if the operator set one. */
  get redirectUri(): URL | undefined {
    return this.#config.redirectUri;
  }

  /**
   * Starts a sign-in: returns the provider's authorization URL and a handle the browser keeps in a
   * short-lived cookie. Null for an unknown provider id.
   */
  async begin(
    providerId: string,
    redirectUri: string,
    next: string,
  ): Promise<{ url: URL; handle: string } | null> {
    const provider = this.#config.providers.find((candidate) => candidate.id === providerId);
    if (provider === undefined) return null;
    const configuration = await this.#configuration(provider);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: provider.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const handle = randomBytes(24).toString('base64url');
    this.#remember(handle, {
      providerId,
      state,
      nonce,
      verifier,
      redirectUri,
      next,
      expiresAt: this.#now() + PENDING_LIFETIME_MS,
    });
    return { url, handle };
  }

  /**
   * Finishes a sign-in at the callback: checks state, exchanges the code with the PKCE verifier,
   * checks the ID token (signature, issuer, audience, expiry, nonce), then finds or creates the
   * account. The pending entry is used once, whatever the outcome.
   */
  async finish(handle: string | undefined, callbackQuery: string): Promise<OidcOutcome> {
    const pending = handle === undefined ? undefined : this.#pending.get(handle);
    if (handle !== undefined) this.#pending.delete(handle);
    if (pending === undefined || pending.expiresAt <= this.#now()) {
      return { ok: false, reason: 'expired', next: pending?.next ?? '/' };
    }
    const { next } = pending;
    const provider = this.#config.providers.find((candidate) => candidate.id === pending.providerId);
    if (provider === undefined) return { ok: false, reason: 'failed', next };
    let claims: Record<string, unknown>;
    try {
      const configuration = await this.#configuration(provider);
      const currentUrl = new URL(pending.redirectUri);
      currentUrl.search = callbackQuery;
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (idClaims === undefined) return { ok: false, reason: 'failed', next };
      claims = { ...idClaims };
      const needed = [provider.usernameClaim, ...(provider.admin ? [provider.admin.claim] : [])];
      if (
        needed.some((name) => claims[name] === undefined) &&
        configuration.serverMetadata().userinfo_endpoint
      ) {
        // Some providers put profile and group claims only into userinfo.
        const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
        claims = { ...userinfo, ...claims };
      }
    } catch {
      // Wrong state, replayed or foreign code, bad or expired ID token, provider unreachable: the
      // details would name the person's provider session, so they are not logged.
      return { ok: false, reason: 'failed', next };
    }
    const username = Username.safeParse(claims[provider.usernameClaim]);
    if (!username.success) return { ok: false, reason: 'no-username', next };
    const role: AccountRole | undefined = provider.admin
      ? claimHas(claims[provider.admin.claim], provider.admin.value)
        ? 'admin'
        : 'user'
      : undefined;
    const result = await this.#accounts.signInExternal(originOf(provider), username.data, role);
    if (result === 'username-taken') return { ok: false, reason: 'username-taken', next };
    return { ok: true, user: result, next };
  }

  #remember(handle: string, pending: Pending): void {
    const now = this.#now();
    for (const [key, entry] of this.#pending) {
      if (entry.expiresAt > now && this.#pending.size < MAX_PENDING) break;
      this.#pending.delete(key);
    }
    this.#pending.set(handle, pending);
  }

  #configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    let found = this.#discovered.get(provider.id);
    if (found === undefined) {
      const insecure = provider.issuer.protocol === 'http:';
      found = client.discovery(
        provider.issuer,
        provider.clientId,
        { client_secret: provider.clientSecret, [client.clockSkew]: this.#clockSkew },
        client.ClientSecretBasic(provider.clientSecret),
        { ...(insecure && { execute: [client.allowInsecureRequests] }), timeout: 10 },
      );
      this.#discovered.set(provider.id, found);
      // A provider that was down is asked again at the next sign-in.
      found.catch(() => this.#discovered.delete(provider.id));
    }
    return found;
  }
}

/** What the users table records as the account's origin: `oidc:` and the issuer URL. */
export function originOf(provider: Pick<OidcProviderConfig, 'issuer'>): string {
  return `oidc:${provider.issuer.href}`;
}

/** Whether a claim is the value or, for a list claim such as `groups`, contains it. */
function claimHas(claim: unknown, value: string): boolean {
  if (typeof claim === 'string') return claim === value;
  if (Array.isArray(claim)) return claim.some((item) => item === value);
  return false;
}
