import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, SessionInfo } from '@parley/protocol';
import fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import { IpHasher } from '../privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from '../privacy/rate-limiter.js';
import { closeDatabase, type Database, openDatabase } from '../store/database.js';
import { AccountService } from './account-service.js';
import { registerAccountRoutes, SESSION_COOKIE, sessionUserFromCookieHeader } from './routes.js';

const USERNAME = 'alice-unique-name';
const PASSWORD = 'password-never-logged';
const SETUP_TOKEN = 'one-time-setup-token-for-tests';

let tmp: string;
let target: TestDatabase;
let db: Database;
let accounts: AccountService;
let hasher: IpHasher;
let limiter: RateLimiter;
let userLimiter: RateLimiter;
let app: FastifyInstance;
let logLines: string[];

async function buildApp(options: { tlsCert?: string; trustProxy?: boolean } = {}): Promise<FastifyInstance> {
  const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
  const instance = fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy: options.trustProxy ?? false,
  });
  registerAccountRoutes(instance, {
    accounts,
    config: { tlsCert: options.tlsCert },
    loginLimiter: limiter,
    usernameLimiter: userLimiter,
    setupToken: SETUP_TOKEN,
  });
  await instance.ready();
  return instance;
}

function sessionCookieOf(response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie'];
  expect(typeof header).toBe('string');
  return header as string;
}

function tokenOf(response: LightMyRequestResponse): string {
  const match = /^parley_session=([^;]*);/.exec(sessionCookieOf(response));
  return match![1]!;
}

function post(
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
  remoteAddress = '203.0.113.7',
) {
  return app.inject({ method: 'POST', url, payload: payload as object, headers, remoteAddress });
}

async function session(cookie?: string): Promise<SessionInfo> {
  const response = await app.inject({
    method: 'GET',
    url: '/api/session',
    headers: cookie ? { cookie } : {},
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['cache-control']).toBe('no-store');
  return SessionInfo.parse(response.json());
}

function expectApiError(response: LightMyRequestResponse, status: number, error: string): ApiError {
  expect(response.statusCode).toBe(status);
  const body = ApiError.parse(response.json());
  expect(body.error).toBe(error);
  return body;
}

describe.each(DIALECTS)('account routes on $kind', (dialect) => {
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-routes-'));
    target = await dialect.create(tmp);
    db = await openDatabase(target.config);
    accounts = new AccountService(db, { sweepIntervalMs: 0 });
    hasher = new IpHasher(600);
    limiter = new RateLimiter(hasher, LOGIN_RATE_LIMIT);
    userLimiter = new RateLimiter(hasher, { limit: 20, windowMs: 15 * 60_000 });
    logLines = [];
    app = await buildApp();
  });

  afterEach(async () => {
    await app.close();
    limiter.close();
    userLimiter.close();
    hasher.close();
    accounts.close();
    await closeDatabase(db);
    await target.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
    // Nothing with a username or password may reach the log, whatever the test did.
    const log = logLines.join('');
    expect(log).not.toContain(USERNAME);
    expect(log).not.toContain(PASSWORD);
  });

  describe('setup', () => {
    it('creates the first administrator, signs them in, then refuses with 409', async () => {
      expect(await session()).toEqual({ user: null, setupNeeded: true });

      const created = await post('/api/setup', {
        username: USERNAME,
        password: PASSWORD,
        setupToken: SETUP_TOKEN,
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ user: { username: USERNAME, role: 'admin' } });
      const cookie = sessionCookieOf(created);
      expect(cookie).toMatch(
        /^parley_session=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict$/,
      );

      expect(await session(`${SESSION_COOKIE}=${tokenOf(created)}`)).toEqual({
        user: { username: USERNAME, role: 'admin' },
        setupNeeded: false,
      });

      const again = await post('/api/setup', {
        username: 'mallory',
        password: 'another-password',
        setupToken: SETUP_TOKEN,
      });
      expect(expectApiError(again, 409, 'setup-done').message).toMatch(/already set up/);
      expect(again.headers['set-cookie']).toBeUndefined();
      expect((await accounts.listUsers()).map((user) => user.username)).toEqual([USERNAME]);
    });

    it('asks for the one-time setup token: without it or with a wrong one nobody becomes administrator', async () => {
      const missing = await post('/api/setup', { username: 'mallory', password: PASSWORD });
      expect(expectApiError(missing, 400, 'invalid-input').message).toMatch(/setup token/);
      const wrong = await post('/api/setup', {
        username: 'mallory',
        password: PASSWORD,
        setupToken: 'guess',
      });
      expect(expectApiError(wrong, 403, 'wrong-setup-token').message).toMatch(/setup token is not right/);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      expect(await accounts.hasAnyUser()).toBe(false);
      // Guessing is throttled like sign-in (10 attempts per address), the right token included.
      for (let i = 2; i < 10; i++) {
        await post('/api/setup', { username: 'mallory', password: PASSWORD, setupToken: `guess-${i}` });
      }
      const throttled = await post('/api/setup', {
        username: USERNAME,
        password: PASSWORD,
        setupToken: SETUP_TOKEN,
      });
      expectApiError(throttled, 429, 'too-many-attempts');
      expect(await accounts.hasAnyUser()).toBe(false);
      // The operator, from another address, with the token.
      const operator = await post(
        '/api/setup',
        { username: USERNAME, password: PASSWORD, setupToken: SETUP_TOKEN },
        {},
        '198.51.100.4',
      );
      expect(operator.statusCode).toBe(201);
    });

    it('lets exactly one of two simultaneous setups win', async () => {
      const responses = await Promise.all([
        post('/api/setup', { username: 'first', password: PASSWORD, setupToken: SETUP_TOKEN }),
        post('/api/setup', { username: 'second', password: PASSWORD, setupToken: SETUP_TOKEN }),
      ]);
      expect(responses.map((response) => response.statusCode).sort()).toEqual([201, 409]);
      expect(await accounts.listUsers()).toHaveLength(1);
    });

    it('answers invalid input with the protocol message', async () => {
      const badName = await post('/api/setup', {
        username: 'Not Valid!',
        password: PASSWORD,
        setupToken: SETUP_TOKEN,
      });
      expect(expectApiError(badName, 400, 'invalid-input').message).toBe(
        'A username has 1–32 characters: lowercase letters, digits, ".", "_" and "-".',
      );
      const shortPassword = await post('/api/setup', {
        username: USERNAME,
        password: 'short',
        setupToken: SETUP_TOKEN,
      });
      expect(expectApiError(shortPassword, 400, 'invalid-input').message).toBe(
        'A password has at least 8 characters.',
      );
      expect(await accounts.hasAnyUser()).toBe(false);
    });
  });

  describe('login and logout', () => {
    beforeEach(async () => {
      await accounts.createUser(USERNAME, PASSWORD, 'user');
    });

    it('signs in with the right password (username case-insensitive) and out again', async () => {
      const login = await post('/api/login', { username: USERNAME.toUpperCase(), password: PASSWORD });
      expect(login.statusCode).toBe(200);
      expect(login.json()).toEqual({ user: { username: USERNAME, role: 'user' } });
      const cookie = `${SESSION_COOKIE}=${tokenOf(login)}`;
      expect(await session(`other=1; ${cookie}`)).toEqual({
        user: { username: USERNAME, role: 'user' },
        setupNeeded: false,
      });
      expect(await sessionUserFromCookieHeader(accounts, cookie)).toMatchObject({
        username: USERNAME,
        role: 'user',
      });

      const logout = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } });
      expect(logout.statusCode).toBe(204);
      expect(logout.body).toBe('');
      expect(sessionCookieOf(logout)).toBe('parley_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict');
      expect(await session(cookie)).toEqual({ user: null, setupNeeded: false });
      expect(await sessionUserFromCookieHeader(accounts, cookie)).toBeNull();
    });

    it('refuses a wrong password and an unknown user with the same answer', async () => {
      const wrong = await post('/api/login', { username: USERNAME, password: 'wrong-password' });
      const unknown = await post('/api/login', { username: 'nobody', password: PASSWORD });
      for (const response of [wrong, unknown]) {
        expect(expectApiError(response, 401, 'invalid-credentials').message).toBe(
          'Wrong username or password.',
        );
        expect(response.headers['set-cookie']).toBeUndefined();
      }
    });

    it('logs out without a session too, and clears a stale cookie on GET /api/session', async () => {
      const logout = await app.inject({ method: 'POST', url: '/api/logout' });
      expect(logout.statusCode).toBe(204);
      const stale = await app.inject({
        method: 'GET',
        url: '/api/session',
        headers: { cookie: `${SESSION_COOKIE}=nope` },
      });
      expect(stale.json()).toEqual({ user: null, setupNeeded: false });
      expect(sessionCookieOf(stale)).toContain('Max-Age=0');
    });

    it('rate-limits attempts per client with Retry-After and a readable message', async () => {
      for (let attempt = 0; attempt < LOGIN_RATE_LIMIT.limit; attempt++) {
        const response = await post('/api/login', { username: USERNAME, password: 'wrong-password' });
        expect(response.statusCode).toBe(401);
      }
      // Even the right password is refused now, before it is checked.
      const limited = await post('/api/login', { username: USERNAME, password: PASSWORD });
      expect(expectApiError(limited, 429, 'too-many-attempts').message).toBe(
        'Too many sign-in attempts. Try again in 5 minutes.',
      );
      // 300 s after the first attempt; the attempts themselves (password checks) take a moment.
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(280);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(300);
      expect(limited.headers['set-cookie']).toBeUndefined();

      const otherClient = await post(
        '/api/login',
        { username: USERNAME, password: PASSWORD },
        {},
        '198.51.100.9',
      );
      expect(otherClient.statusCode).toBe(200);
      // Rotating the address key forgets every client.
      hasher.rotate();
      expect((await post('/api/login', { username: USERNAME, password: PASSWORD })).statusCode).toBe(200);
    });

    it('limits guesses at one username from many addresses (IPv6 /64s included), not other accounts', async () => {
      await accounts.createUser('bystander', PASSWORD, 'user');
      // 20 guesses, each from another /64: the per-address limit never trips.
      const guesses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(
            '/api/login',
            { username: USERNAME, password: `wrong-password-${i}` },
            {},
            `2001:db8:${i + 1}::1`,
          ),
        ),
      );
      expect(guesses.map((response) => response.statusCode)).toEqual(Array(20).fill(401));
      const limited = await post(
        '/api/login',
        { username: USERNAME, password: PASSWORD },
        {},
        '2001:db8:99::1',
      );
      expect(expectApiError(limited, 429, 'too-many-attempts').message).toMatch(/Try again in 15 minutes/);
      // The same in another case is the same username.
      const upper = await post(
        '/api/login',
        { username: USERNAME.toUpperCase(), password: PASSWORD },
        {},
        '2001:db8:98::1',
      );
      expect(upper.statusCode).toBe(429);
      // Another account signs in as usual.
      const other = await post(
        '/api/login',
        { username: 'bystander', password: PASSWORD },
        {},
        '2001:db8:97::1',
      );
      expect(other.statusCode).toBe(200);
    });
  });

  describe('own data', () => {
    async function signedIn(username: string, role: 'admin' | 'user'): Promise<string> {
      await accounts.createUser(username, PASSWORD, role);
      const login = await post('/api/login', { username, password: PASSWORD });
      return `${SESSION_COOKIE}=${tokenOf(login)}`;
    }

    it('lets a signed-in person download their data as a JSON file, without hashes', async () => {
      const cookie = await signedIn(USERNAME, 'user');
      const response = await app.inject({ method: 'GET', url: '/api/me/data', headers: { cookie } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="parley-my-data.json"');
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json();
      expect(body).toMatchObject({
        account: { username: USERNAME, role: 'user' },
        sessions: [{ createdAt: expect.any(String), expiresAt: expect.any(String) }],
        notes: expect.arrayContaining([expect.stringContaining('/privacy')]),
      });
      expect(response.body).not.toContain(cookie.split('=')[1]);
      expect(response.body).not.toMatch(/argon2|hash"/);
    });

    it('deletes the signed-in account with all its sessions and clears the cookie', async () => {
      const cookie = await signedIn(USERNAME, 'user');
      // A second browser of the same person: its session must go too.
      const user = await accounts.verifyCredentials(USERNAME, PASSWORD);
      const other = `${SESSION_COOKIE}=${await accounts.createSession(user!.id)}`;
      const deleted = await app.inject({ method: 'DELETE', url: '/api/me', headers: { cookie } });
      expect(deleted.statusCode).toBe(204);
      expect(sessionCookieOf(deleted)).toContain('Max-Age=0');
      expect(await accounts.listUsers()).toEqual([]);
      expect(await sessionUserFromCookieHeader(accounts, other)).toBeNull();
      expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
      const again = await app.inject({ method: 'DELETE', url: '/api/me', headers: { cookie } });
      expectApiError(again, 401, 'not-signed-in');
    });

    it('refuses to delete the last administrator, readably', async () => {
      const cookie = await signedIn(USERNAME, 'admin');
      const refused = await app.inject({ method: 'DELETE', url: '/api/me', headers: { cookie } });
      expect(expectApiError(refused, 409, 'last-admin').message).toMatch(/only administrator/);
      expect(refused.headers['set-cookie']).toBeUndefined();
      expect((await accounts.listUsers()).map((user) => user.username)).toEqual([USERNAME]);
    });

    it('answers 401 without a session', async () => {
      expectApiError(await app.inject({ method: 'GET', url: '/api/me/data' }), 401, 'not-signed-in');
      expectApiError(
        await app.inject({ method: 'DELETE', url: '/api/me', headers: { cookie: `${SESSION_COOKIE}=nope` } }),
        401,
        'not-signed-in',
      );
    });
  });

  describe('cookie security', () => {
    it('marks the cookie Secure when Parley serves HTTPS itself', async () => {
      await app.close();
      app = await buildApp({ tlsCert: '/etc/parley/cert.pem' });
      const created = await post('/api/setup', {
        username: USERNAME,
        password: PASSWORD,
        setupToken: SETUP_TOKEN,
      });
      expect(sessionCookieOf(created)).toMatch(/; Secure; SameSite=Strict$/);
    });

    it('marks the cookie Secure behind a trusted TLS-terminating proxy, not on plain HTTP', async () => {
      await app.close();
      app = await buildApp({ trustProxy: true });
      await accounts.createUser(USERNAME, PASSWORD, 'user');
      const plain = await post('/api/login', { username: USERNAME, password: PASSWORD });
      expect(sessionCookieOf(plain)).not.toContain('Secure');
      const proxied = await post(
        '/api/login',
        { username: USERNAME, password: PASSWORD },
        { 'x-forwarded-proto': 'https' },
      );
      expect(sessionCookieOf(proxied)).toContain('; Secure;');
    });
  });

  describe('malformed requests', () => {
    it('answers every failure with an ApiError', async () => {
      const tooLarge = await post('/api/login', { username: USERNAME, password: 'x'.repeat(9000) });
      expectApiError(tooLarge, 413, 'body-too-large');

      const badJson = await app.inject({
        method: 'POST',
        url: '/api/login',
        payload: '{"username":',
        headers: { 'content-type': 'application/json' },
      });
      expectApiError(badJson, 400, 'bad-request');

      const notJson = await app.inject({
        method: 'POST',
        url: '/api/login',
        payload: 'username=alice',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectApiError(notJson, 415, 'unsupported-media-type');

      const noBody = await app.inject({ method: 'POST', url: '/api/login' });
      expect(expectApiError(noBody, 400, 'invalid-input').message).toMatch(/expected object/i);
    });

    it('answers a server failure with 500 and logs it without personal data', async () => {
      await closeDatabase(db);
      const response = await post('/api/login', { username: USERNAME, password: PASSWORD });
      expectApiError(response, 500, 'internal-error');
      expect(logLines.join('')).toContain('account route failed');
      db = await openDatabase(target.config);
    });
  });
});
