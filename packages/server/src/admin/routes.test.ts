import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminAccountList, ApiError, InstanceSettings } from '@parley/protocol';
import fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import { AccountService } from '../accounts/account-service.js';
import { registerAccountRoutes } from '../accounts/routes.js';
import { IpHasher } from '../privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from '../privacy/rate-limiter.js';
import { closeDatabase, type Database, openDatabase } from '../store/database.js';
import { InstanceSettingsStore } from './instance-settings.js';
import { ADMIN_RATE_LIMIT, registerAdminRoutes } from './routes.js';

const PASSWORD = 'admin-password-never-logged';
const HOST = 'parley.example:8443';

let tmp: string;
let target: TestDatabase;
let db: Database;
let accounts: AccountService;
let settings: InstanceSettingsStore;
let hasher: IpHasher;
let loginLimiter: RateLimiter;
let adminLimiter: RateLimiter;
let app: FastifyInstance;
let logLines: string[];
let adminCookie: string;
let userCookie: string;

async function cookieOf(username: string, role: 'admin' | 'user'): Promise<string> {
  const user = await accounts.createUser(username, PASSWORD, role);
  return `parley_session=${await accounts.createSession(user.id)}`;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

function request(
  method: Method,
  url: string,
  options: { cookie?: string; payload?: unknown; origin?: string; address?: string } = {},
) {
  const headers: Record<string, string> = { host: HOST };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  return app.inject({
    method,
    url,
    headers,
    remoteAddress: options.address ?? '203.0.113.9',
    ...(options.payload !== undefined && { payload: options.payload as object }),
  });
}

function expectApiError(response: LightMyRequestResponse, status: number, error: string): ApiError {
  expect(response.statusCode, response.body).toBe(status);
  const body = ApiError.parse(response.json());
  expect(body.error).toBe(error);
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

async function usernames(): Promise<string[]> {
  return (await accounts.listUsers()).map((user) => `${user.username}:${user.role}`);
}

/** Every endpoint of the admin API, each with a request that would change something if allowed. */
const ENDPOINTS: Array<{ method: Method; url: string; payload?: unknown }> = [
  { method: 'GET', url: '/api/admin/users' },
  {
    method: 'POST',
    url: '/api/admin/users',
    payload: { username: 'mallory', password: PASSWORD, role: 'admin' },
  },
  { method: 'PATCH', url: '/api/admin/users/bob', payload: { role: 'admin' } },
  { method: 'DELETE', url: '/api/admin/users/root' },
  { method: 'GET', url: '/api/admin/settings' },
  { method: 'PUT', url: '/api/admin/settings', payload: { meetingStarters: 'admins' } },
];

describe.each(DIALECTS)('admin API on $kind', (dialect) => {
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-admin-'));
    target = await dialect.create(tmp);
    db = await openDatabase(target.config);
    accounts = new AccountService(db, { sweepIntervalMs: 0 });
    settings = new InstanceSettingsStore(db);
    hasher = new IpHasher(600);
    loginLimiter = new RateLimiter(hasher, LOGIN_RATE_LIMIT);
    adminLimiter = new RateLimiter(hasher, ADMIN_RATE_LIMIT);
    logLines = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
    app = fastify({ loggerInstance: logger as FastifyBaseLogger });
    registerAccountRoutes(app, {
      accounts,
      config: { tlsCert: undefined },
      loginLimiter,
      setupToken: 'unused-setup-token',
    });
    registerAdminRoutes(app, { accounts, settings, changeLimiter: adminLimiter });
    await app.ready();
    adminCookie = await cookieOf('root', 'admin');
    userCookie = await cookieOf('bob', 'user');
  });

  afterEach(async () => {
    await app.close();
    loginLimiter.close();
    adminLimiter.close();
    hasher.close();
    accounts.close();
    await closeDatabase(db);
    await target.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
    expect(logLines.join('')).not.toContain(PASSWORD);
  });

  it('refuses every endpoint to guests (401), unknown sessions (401) and non-administrators (403), changing nothing', async () => {
    for (const endpoint of ENDPOINTS) {
      const label = `${endpoint.method} ${endpoint.url}`;
      const guest = await request(endpoint.method, endpoint.url, { payload: endpoint.payload });
      expect(guest.statusCode, label).toBe(401);
      expectApiError(guest, 401, 'not-signed-in');
      const forged = await request(endpoint.method, endpoint.url, {
        payload: endpoint.payload,
        cookie: 'parley_session=not-a-real-session-token',
      });
      expectApiError(forged, 401, 'not-signed-in');
      const user = await request(endpoint.method, endpoint.url, {
        payload: endpoint.payload,
        cookie: userCookie,
      });
      expect(user.statusCode, label).toBe(403);
      expectApiError(user, 403, 'not-admin');
      expect(user.headers['cache-control']).toBe('no-store');
    }
    expect(await usernames()).toEqual(['bob:user', 'root:admin']);
    expect(await settings.get()).toEqual({ meetingStarters: 'everyone' });
  });

  it('lists every account with role and creation time, never a password hash', async () => {
    const response = await request('GET', '/api/admin/users', { cookie: adminCookie });
    expect(response.statusCode).toBe(200);
    const list = AdminAccountList.parse(response.json());
    expect(list.users.map((user) => [user.username, user.role])).toEqual([
      ['bob', 'user'],
      ['root', 'admin'],
    ]);
    for (const user of list.users) expect(Date.parse(user.createdAt)).toBeGreaterThan(0);
    expect(response.body).not.toMatch(/argon2|password/i);
  });

  it('adds an account that can sign in, with the role asked for', async () => {
    const created = await request('POST', '/api/admin/users', {
      cookie: adminCookie,
      origin: `https://${HOST}`,
      payload: { username: '  Carol ', password: PASSWORD, role: 'admin' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ username: 'carol', role: 'admin' });
    expect(await usernames()).toContain('carol:admin');
    expect(await accounts.verifyCredentials('carol', PASSWORD)).toMatchObject({ role: 'admin' });
  });

  it('explains bad input with the protocol’s rules and a 400 (or 409, 413, 415)', async () => {
    const add = (payload: unknown) => request('POST', '/api/admin/users', { cookie: adminCookie, payload });
    expect(
      expectApiError(
        await add({ username: 'no spaces', password: PASSWORD, role: 'user' }),
        400,
        'invalid-input',
      ).message,
    ).toMatch(/1–32 characters/);
    expect(
      expectApiError(await add({ username: 'dave', password: 'short', role: 'user' }), 400, 'invalid-input')
        .message,
    ).toMatch(/at least 8 characters/);
    expectApiError(await add({ username: 'dave', password: PASSWORD, role: 'root' }), 400, 'invalid-input');
    expectApiError(await add({ username: 'dave', password: PASSWORD }), 400, 'invalid-input');
    expectApiError(
      await add({ username: 'dave', password: PASSWORD, role: 'user', extra: 1 }),
      400,
      'invalid-input',
    );
    expectApiError(await add(['an', 'array']), 400, 'invalid-input');
    expectApiError(await add({ username: 'bob', password: PASSWORD, role: 'user' }), 409, 'username-taken');
    expectApiError(
      await add({ username: 'dave', password: 'x'.repeat(10_000), role: 'user' }),
      413,
      'body-too-large',
    );
    const form = await app.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: { host: HOST, cookie: adminCookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=dave&password=a-long-password&role=admin',
    });
    expectApiError(form, 415, 'unsupported-media-type');
    const role = (payload: unknown) =>
      request('PATCH', '/api/admin/users/bob', { cookie: adminCookie, payload });
    expectApiError(await role({ role: 'superuser' }), 400, 'invalid-input');
    expectApiError(await role({}), 400, 'invalid-input');
    expectApiError(
      await request('PUT', '/api/admin/settings', {
        cookie: adminCookie,
        payload: { meetingStarters: 'nobody' },
      }),
      400,
      'invalid-input',
    );
    expect(await usernames()).toEqual(['bob:user', 'root:admin']);
  });

  it('changes roles, effective at once for the account’s open sessions; never demotes the last administrator', async () => {
    expectApiError(await request('GET', '/api/admin/users', { cookie: userCookie }), 403, 'not-admin');
    const promote = await request('PATCH', '/api/admin/users/bob', {
      cookie: adminCookie,
      payload: { role: 'admin' },
    });
    expect(promote.statusCode).toBe(204);
    expect((await request('GET', '/api/admin/users', { cookie: userCookie })).statusCode).toBe(200);

    const demoteBob = await request('PATCH', '/api/admin/users/BOB', {
      cookie: adminCookie,
      payload: { role: 'user' },
    });
    expect(demoteBob.statusCode).toBe(204);
    // Demoted: the same open session is refused at once, no sign-out needed.
    expectApiError(await request('GET', '/api/admin/users', { cookie: userCookie }), 403, 'not-admin');
    expectApiError(
      await request('PATCH', '/api/admin/users/root', { cookie: adminCookie, payload: { role: 'user' } }),
      409,
      'last-admin',
    );
    expect(await usernames()).toEqual(['bob:user', 'root:admin']);
    expectApiError(
      await request('PATCH', '/api/admin/users/nobody', { cookie: adminCookie, payload: { role: 'admin' } }),
      404,
      'no-such-account',
    );
    // Unchanged is fine, and says so with the same 204.
    expect(
      (await request('PATCH', '/api/admin/users/root', { cookie: adminCookie, payload: { role: 'admin' } }))
        .statusCode,
    ).toBe(204);
  });

  it('deletes an account and ends its sessions; never one’s own account', async () => {
    const deleted = await request('DELETE', '/api/admin/users/bob', { cookie: adminCookie });
    expect(deleted.statusCode).toBe(204);
    expect(await usernames()).toEqual(['root:admin']);
    expectApiError(await request('GET', '/api/admin/users', { cookie: userCookie }), 401, 'not-signed-in');
    expectApiError(
      await request('DELETE', '/api/admin/users/bob', { cookie: adminCookie }),
      404,
      'no-such-account',
    );
    expectApiError(
      await request('DELETE', '/api/admin/users/root', { cookie: adminCookie }),
      409,
      'own-account',
    );
    expectApiError(
      await request('DELETE', '/api/admin/users/..%2F..', { cookie: adminCookie }),
      404,
      'no-such-account',
    );
    expect(await usernames()).toEqual(['root:admin']);
  });

  it('refuses changes another site’s page sends with the administrator’s cookie (CSRF)', async () => {
    for (const origin of ['https://evil.example', 'null', `https://${HOST}.evil.example`]) {
      for (const endpoint of ENDPOINTS.filter((each) => each.method !== 'GET')) {
        const response = await request(endpoint.method, endpoint.url, {
          cookie: adminCookie,
          origin,
          payload: endpoint.payload,
        });
        expectApiError(response, 403, 'cross-site');
      }
    }
    expect(await usernames()).toEqual(['bob:user', 'root:admin']);
    expect(await settings.get()).toEqual({ meetingStarters: 'everyone' });
    // The same request from the page itself goes through.
    const own = await request('PUT', '/api/admin/settings', {
      cookie: adminCookie,
      origin: `https://${HOST}`,
      payload: { meetingStarters: 'admins' },
    });
    expect(own.statusCode).toBe(200);
  });

  it('stores the meeting-starter setting in the database', async () => {
    const initial = await request('GET', '/api/admin/settings', { cookie: adminCookie });
    expect(InstanceSettings.parse(initial.json())).toEqual({ meetingStarters: 'everyone' });
    const saved = await request('PUT', '/api/admin/settings', {
      cookie: adminCookie,
      payload: { meetingStarters: 'admins' },
    });
    expect(saved.json()).toEqual({ meetingStarters: 'admins' });
    // Another reader of the same database (another cluster node, or after a restart) sees it.
    expect(await new InstanceSettingsStore(db).get()).toEqual({ meetingStarters: 'admins' });
    expect(await settings.mayStartMeetings('user')).toBe(false);
    expect(await settings.mayStartMeetings('admin')).toBe(true);
    await request('PUT', '/api/admin/settings', {
      cookie: adminCookie,
      payload: { meetingStarters: 'everyone' },
    });
    expect(await settings.mayStartMeetings('user')).toBe(true);
    // A value this version does not know falls back to the default rather than locking everyone out.
    await db.updateTable('instance_settings').set({ value: 'someday' }).execute();
    expect(await settings.get()).toEqual({ meetingStarters: 'everyone' });
  });

  it('limits changes per client address (429 with Retry-After), reads stay allowed', async () => {
    for (let i = 0; i < ADMIN_RATE_LIMIT.limit; i++) {
      const response = await request('PUT', '/api/admin/settings', {
        cookie: adminCookie,
        payload: { meetingStarters: 'everyone' },
      });
      expect(response.statusCode).toBe(200);
    }
    const flooded = await request('POST', '/api/admin/users', {
      cookie: adminCookie,
      payload: { username: 'flood', password: PASSWORD, role: 'user' },
    });
    expectApiError(flooded, 429, 'too-many-changes');
    expect(Number(flooded.headers['retry-after'])).toBeGreaterThan(0);
    expect(await usernames()).not.toContain('flood:user');
    expect((await request('GET', '/api/admin/users', { cookie: adminCookie })).statusCode).toBe(200);
    // Another address is not affected.
    const other = await request('PUT', '/api/admin/settings', {
      cookie: adminCookie,
      address: '198.51.100.20',
      payload: { meetingStarters: 'everyone' },
    });
    expect(other.statusCode).toBe(200);
  });
});
