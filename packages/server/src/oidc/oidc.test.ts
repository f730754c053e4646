import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SessionInfo } from '@parley/protocol';
import fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import { AccountService } from '../accounts/account-service.js';
import { registerAccountRoutes } from '../accounts/routes.js';
import { IpHasher } from '../privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from '../privacy/rate-limiter.js';
import { closeDatabase, type Database, openDatabase } from '../store/database.js';
import { type OidcConfig, oidcConfigFrom } from './oidc-config.js';
import { OidcService, type OidcServiceOptions } from './oidc-service.js';
import { OIDC_COOKIE, registerOidcRoutes } from './routes.js';

const REDIRECT_URI = 'http://parley.localhost/api/oidc/callback';
const PROVIDER_SCRIPT = fileURLToPath(new URL('../../test/support/oidc-provider.mjs', import.meta.url));
const sqlite = DIALECTS.find((dialect) => dialect.kind === 'sqlite')!;

let provider: ChildProcess;
let issuer: string;
let tmp: string;
let target: TestDatabase;
let db: Database;
let accounts: AccountService;
let hasher: IpHasher;
let limiter: RateLimiter;
let app: FastifyInstance;

function oidcConfig(): OidcConfig {
  return oidcConfigFrom({
    PARLEY_OIDC_ISSUER: issuer,
    PARLEY_OIDC_CLIENT_ID: 'parley',
    PARLEY_OIDC_CLIENT_SECRET: 'parley-test-secret',
    PARLEY_OIDC_NAME: 'Test IdP',
    PARLEY_OIDC_ADMIN_CLAIM: 'groups',
    PARLEY_OIDC_ADMIN_VALUE: 'parley-admins',
    PARLEY_OIDC_REDIRECT_URI: REDIRECT_URI,
  });
}

async function buildApp(options: OidcServiceOptions = {}): Promise<FastifyInstance> {
  const instance = fastify();
  const config = { tlsCert: undefined };
  registerAccountRoutes(instance, {
    accounts,
    config,
    loginLimiter: limiter,
    setupToken: 'setup-token-for-oidc-tests',
  });
  const oidc = new OidcService(oidcConfig(), accounts, options);
  registerOidcRoutes(instance, { oidc, accounts, config, loginLimiter: limiter });
  await instance.ready();
  return instance;
}

/** The `name=value` of a Set-Cookie header named `name`, or undefined. */
function cookieFrom(response: LightMyRequestResponse, name: string): string | undefined {
  const header = response.headers['set-cookie'];
  const all = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const found = all.find((cookie) => cookie.startsWith(`${name}=`));
  return found?.split(';')[0];
}

/** Starts a sign-in at Parley: the provider's URL and the pending cookie. */
async function startSignIn(next = '/'): Promise<{ authorizationUrl: URL; cookie: string }> {
  const response = await app.inject({
    method: 'GET',
    url: `/api/oidc/login/default?next=${encodeURIComponent(next)}`,
  });
  expect(response.statusCode).toBe(302);
  const cookie = cookieFrom(response, OIDC_COOKIE);
  expect(cookie).toMatch(/^parley_oidc=[\w-]{20,}$/);
  const setCookie = String(response.headers['set-cookie']);
  expect(setCookie).toContain('HttpOnly');
  expect(setCookie).toContain('SameSite=Lax');
  return { authorizationUrl: new URL(String(response.headers.location)), cookie: cookie! };
}

/**
 * Plays the person at the provider: follows its redirects, fills in its development login form
 * with `login`, and returns the URL it finally sends the browser to (Parley's callback).
 */
async function signInAtProvider(authorizationUrl: URL, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let method: 'GET' | 'POST' = 'GET';
  for (let step = 0; step < 10; step++) {
    if (url.href.startsWith(REDIRECT_URI)) return url;
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const interaction = /^\/interaction\/[\w-]+$/.test(url.pathname);
    if (interaction) method = 'POST';
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie,
        ...(method === 'POST' && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(method === 'POST' && {
        body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
      }),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (location === null)
      throw new Error(`the provider answered ${response.status} without a redirect at ${url.pathname}`);
    url = new URL(location, url);
    method = 'GET';
  }
  throw new Error('too many redirects at the provider');
}

async function callback(callbackUrl: URL, cookie: string | undefined): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `${callbackUrl.pathname}${callbackUrl.search}`,
    headers: cookie === undefined ? {} : { cookie },
  });
}

async function sessionOf(response: LightMyRequestResponse): Promise<SessionInfo> {
  const cookie = cookieFrom(response, 'parley_session');
  const answer = await app.inject({ method: 'GET', url: '/api/session', headers: cookie ? { cookie } : {} });
  return SessionInfo.parse(answer.json());
}

async function fullSignIn(login: string, next = '/'): Promise<LightMyRequestResponse> {
  const { authorizationUrl, cookie } = await startSignIn(next);
  return callback(await signInAtProvider(authorizationUrl, login), cookie);
}

function expectRefused(response: LightMyRequestResponse, reason: string): void {
  expect(response.statusCode).toBe(302);
  expect(String(response.headers.location)).toMatch(new RegExp(`^/login\\?oidc=${reason}(&|$)`));
  expect(cookieFrom(response, 'parley_session')).toBeUndefined();
}

beforeAll(async () => {
  provider = spawn(process.execPath, [PROVIDER_SCRIPT], {
    env: { ...process.env, OIDC_REDIRECT_URI: REDIRECT_URI },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: provider.stdout! });
  issuer = await new Promise<string>((resolve, reject) => {
    provider.once('exit', (code) => reject(new Error(`the OIDC provider exited (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { issuer: string }).issuer));
  });
});

afterAll(() => {
  provider?.kill('SIGTERM');
});

describe('OpenID Connect sign-in against a real provider', () => {
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-oidc-'));
    target = await sqlite.create(tmp);
    db = await openDatabase(target.config);
    accounts = new AccountService(db, { sweepIntervalMs: 0 });
    hasher = new IpHasher(600);
    limiter = new RateLimiter(hasher, LOGIN_RATE_LIMIT);
    app = await buildApp();
  });

  afterEach(async () => {
    await app.close();
    limiter.close();
    hasher.close();
    accounts.close();
    await closeDatabase(db);
    await target.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('lists the configured provider, names only, for the login page', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/oidc/providers' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ providers: [{ id: 'default', name: 'Test IdP' }] });
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce', async () => {
    const { authorizationUrl } = await startSignIn();
    expect(authorizationUrl.origin).toBe(issuer);
    const query = authorizationUrl.searchParams;
    expect(query.get('response_type')).toBe('code');
    expect(query.get('client_id')).toBe('parley');
    expect(query.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(query.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(query.get('nonce')).toMatch(/^[\w-]{20,}$/);
  });

  it('creates the account at the first sign-in, signs it in with the role from the claim, and keeps no password', async () => {
    const response = await fullSignIn('alice', '/room/team');
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/room/team');
    expect(cookieFrom(response, OIDC_COOKIE)).toBe(`${OIDC_COOKIE}=`);
    expect((await sessionOf(response)).user).toEqual({ username: 'alice', role: 'admin' });

    const bob = await fullSignIn('bob');
    expect((await sessionOf(bob)).user).toEqual({ username: 'bob', role: 'user' });
    expect((await accounts.listUsers()).map((user) => [user.username, user.role])).toEqual([
      ['alice', 'admin'],
      ['bob', 'user'],
    ]);
    // No password signs in an account from the provider.
    expect(await accounts.verifyCredentials('alice', '!external')).toBeNull();
    const login = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'alice', password: 'anything-at-all' },
    });
    expect(login.statusCode).toBe(401);

    // The second sign-in finds the same account; the role follows the claim at every sign-in.
    await accounts.changeRole('bob', 'admin');
    const again = await fullSignIn('bob');
    expect((await sessionOf(again)).user).toEqual({ username: 'bob', role: 'user' });
    expect(await accounts.listUsers()).toHaveLength(2);
  });

  it('refuses an answer with a wrong state', async () => {
    const { authorizationUrl, cookie } = await startSignIn();
    const callbackUrl = await signInAtProvider(authorizationUrl, 'alice');
    callbackUrl.searchParams.set('state', 'forged-state-of-someone-else');
    expectRefused(await callback(callbackUrl, cookie), 'failed');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('refuses an answer without the browser’s pending sign-in cookie', async () => {
    const { authorizationUrl } = await startSignIn();
    const callbackUrl = await signInAtProvider(authorizationUrl, 'alice');
    expectRefused(await callback(callbackUrl, undefined), 'expired');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('refuses a replayed code, with the same pending sign-in and with a new one', async () => {
    const { authorizationUrl, cookie } = await startSignIn();
    const callbackUrl = await signInAtProvider(authorizationUrl, 'alice');
    const first = await callback(callbackUrl, cookie);
    expect((await sessionOf(first)).user?.username).toBe('alice');
    // The same answer again: the pending sign-in was used up.
    expectRefused(await callback(callbackUrl, cookie), 'expired');
    // The used code with a fresh sign-in's state and cookie: the provider refuses the code.
    const fresh = await startSignIn();
    const replay = new URL(callbackUrl);
    replay.searchParams.set('state', fresh.authorizationUrl.searchParams.get('state')!);
    expectRefused(await callback(replay, fresh.cookie), 'failed');
  });

  it('refuses an expired ID token', async () => {
    await app.close();
    // Parley's clock two hours ahead: the provider's ID tokens (one hour) have expired on arrival.
    app = await buildApp({ clockSkewSeconds: 2 * 60 * 60 });
    expectRefused(await fullSignIn('alice'), 'failed');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('refuses a username a local account holds, rather than merging', async () => {
    await accounts.createUser('carol', 'local-password-of-carol', 'user');
    expectRefused(await fullSignIn('carol'), 'username-taken');
    expect(await accounts.verifyCredentials('carol', 'local-password-of-carol')).not.toBeNull();
  });

  it('refuses a sign-in without a usable username claim', async () => {
    expectRefused(await fullSignIn('nameless'), 'no-username');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('returns only to pages on this site', async () => {
    const { authorizationUrl, cookie } = await startSignIn('//evil.example/');
    const response = await callback(await signInAtProvider(authorizationUrl, 'bob'), cookie);
    expect(response.headers.location).toBe('/');
  });
});
