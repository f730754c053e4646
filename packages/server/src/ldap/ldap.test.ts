import fs from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SessionInfo } from '@parley/protocol';
import fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Attribute, Change, Client } from 'ldapts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeMedia } from '../../test/signaling/fake-media.js';
import { startTestServer } from '../../test/signaling/harness.js';
import { type RunningSlapd, slapdMissing, sshaHash, startSlapd } from '../../test/support/slapd.js';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import { AccountService, EXTERNAL_PASSWORD_HASH } from '../accounts/account-service.js';
import { registerAccountRoutes } from '../accounts/routes.js';
import { IpHasher } from '../privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from '../privacy/rate-limiter.js';
import { closeDatabase, type Database, openDatabase } from '../store/database.js';
import { type LdapConfig, ldapConfigFrom } from './ldap-config.js';
import { LdapDirectory, type LdapDirectoryOptions } from './ldap-directory.js';
import { LdapService, ldapOrigin } from './ldap-service.js';

const SUFFIX = 'dc=parley,dc=test';
const PEOPLE = `ou=people,${SUFFIX}`;
const ADMINS = `cn=parley-admins,ou=groups,${SUFFIX}`;
const SERVICE_DN = `cn=parley,ou=services,${SUFFIX}`;
const SERVICE_PASSWORD = 'service account password';
const ROOT_PASSWORD = 'root password of the test directory';
/** Directory passwords, some shorter than Parley asks of its own accounts. */
const PASSWORDS = {
  alice: 'alice in the directory',
  bob: 'bob-pw',
  carol: 'carol in the directory',
  erin: 'erin in the directory',
  twin: 'twin password',
};
const dn = (uid: string) => `uid=${uid},${PEOPLE}`;

function person(uid: string, password: string, extra: string[] = []): string {
  return [
    `dn: ${dn(uid)}`,
    'objectClass: inetOrgPerson',
    `uid: ${uid}`,
    `cn: ${uid}`,
    `sn: ${uid}`,
    `userPassword: ${sshaHash(password)}`,
    ...extra,
  ].join('\n');
}

const LDIF = [
  [`dn: ${SUFFIX}`, 'objectClass: dcObject', 'objectClass: organization', 'dc: parley', 'o: Parley test'],
  [`dn: ${PEOPLE}`, 'objectClass: organizationalUnit', 'ou: people'],
  [`dn: ou=groups,${SUFFIX}`, 'objectClass: organizationalUnit', 'ou: groups'],
  [`dn: ou=services,${SUFFIX}`, 'objectClass: organizationalUnit', 'ou: services'],
  [
    `dn: ${SERVICE_DN}`,
    'objectClass: organizationalRole',
    'objectClass: simpleSecurityObject',
    'cn: parley',
    `userPassword: ${sshaHash(SERVICE_PASSWORD)}`,
  ],
  [person('alice', PASSWORDS.alice)],
  [person('bob', PASSWORDS.bob, ['uid: robert'])],
  [person('carol', PASSWORDS.carol)],
  // An entry whose common name is no Parley username (for PARLEY_LDAP_USERNAME_ATTRIBUTE=cn).
  [person('erin', PASSWORDS.erin).replace('cn: erin', 'cn: Erin Example')],
  // Two entries one filter finds together (sn: twin).
  [person('twin1', PASSWORDS.twin).replace('sn: twin1', 'sn: twin')],
  [person('twin2', PASSWORDS.twin).replace('sn: twin2', 'sn: twin')],
  // groupOfNames needs a member; the placeholder is nobody.
  [
    `dn: ${ADMINS}`,
    'objectClass: groupOfNames',
    'cn: parley-admins',
    `member: ${dn('alice')}`,
    `member: ${SUFFIX}`,
  ],
]
  .map((lines) => lines.join('\n'))
  .join('\n\n')
  .concat('\n');

const missing = slapdMissing();
if (missing) console.warn(missing);

const sqlite = DIALECTS.find((dialect) => dialect.kind === 'sqlite')!;
let slapd: RunningSlapd;
let tmp: string;
let target: TestDatabase;
let db: Database;
let accounts: AccountService;
let hasher: IpHasher;
let limiter: RateLimiter;
let warnings: unknown[][];
let app: FastifyInstance;

function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PARLEY_LDAP_URL: slapd.url,
    PARLEY_LDAP_BIND_DN: SERVICE_DN,
    PARLEY_LDAP_BIND_PASSWORD: SERVICE_PASSWORD,
    PARLEY_LDAP_SEARCH_BASE: SUFFIX,
    PARLEY_LDAP_SEARCH_FILTER: '(&(objectClass=inetOrgPerson)(uid={username}))',
    PARLEY_LDAP_ADMIN_GROUP: ADMINS,
    ...overrides,
  };
}

function ldapConfig(overrides: Record<string, string> = {}): LdapConfig {
  const config = ldapConfigFrom(env(overrides));
  if (config === undefined) throw new Error('no LDAP configuration');
  return config;
}

/** Parley's account routes with a directory configured as `overrides` says. */
async function buildApp(
  overrides: Record<string, string> = {},
  options: LdapDirectoryOptions & { usernameLimit?: number } = {},
): Promise<FastifyInstance> {
  const instance = fastify();
  const logger = { warn: (...args: unknown[]) => void warnings.push(args) };
  registerAccountRoutes(instance, {
    accounts,
    config: { tlsCert: undefined },
    loginLimiter: limiter,
    usernameLimiter: new RateLimiter(hasher, { limit: options.usernameLimit ?? 100, windowMs: 60_000 }),
    setupToken: 'setup-token-for-ldap-tests',
    directory: new LdapService(ldapConfig(overrides), accounts, logger, options),
  });
  await instance.ready();
  return instance;
}

function login(username: string, password: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
}

/** Who /api/session says the response's session cookie belongs to. */
async function sessionOf(response: LightMyRequestResponse): Promise<SessionInfo['user']> {
  const header = response.headers['set-cookie'];
  const cookie = String(Array.isArray(header) ? header[0] : header).split(';')[0];
  expect(cookie).toMatch(/^parley_session=.{20,}/);
  const answer = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: cookie! } });
  return SessionInfo.parse(answer.json()).user;
}

function expectError(response: LightMyRequestResponse, status: number, error: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toMatchObject({ error });
  expect(response.headers['set-cookie']).toBeUndefined();
}

/** Changes the administrators' group as the directory's own administrator. */
async function changeAdmins(operation: 'add' | 'delete', uid: string): Promise<void> {
  const client = new Client({ url: slapd.url });
  try {
    await client.bind(slapd.rootDn, ROOT_PASSWORD);
    await client.modify(
      ADMINS,
      new Change({ operation, modification: new Attribute({ type: 'member', values: [dn(uid)] }) }),
    );
  } finally {
    await client.unbind();
  }
}

/** A loopback port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

describe.skipIf(missing !== undefined)('LDAP sign-in against a real slapd', () => {
  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif: LDIF, rootPassword: ROOT_PASSWORD });
  });

  afterAll(async () => {
    await slapd?.stop();
  });

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-ldap-'));
    target = await sqlite.create(tmp);
    db = await openDatabase(target.config);
    accounts = new AccountService(db, { sweepIntervalMs: 0 });
    hasher = new IpHasher(600);
    limiter = new RateLimiter(hasher, LOGIN_RATE_LIMIT);
    warnings = [];
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

  it('creates the account at the first sign-in, with its role from the group and no usable password', async () => {
    const response = await login('Alice', PASSWORDS.alice);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: { username: 'alice', role: 'admin' } });
    expect(await sessionOf(response)).toEqual({ username: 'alice', role: 'admin' });

    // A password shorter than Parley asks for its own accounts: the directory decides.
    const bob = await login('bob', PASSWORDS.bob);
    expect(await sessionOf(bob)).toEqual({ username: 'bob', role: 'user' });

    const alice = await accounts.exportDataOf('alice');
    expect(alice?.account).toMatchObject({ username: 'alice', role: 'admin', origin: `ldap:${slapd.url}` });
    expect(ldapOrigin({ url: slapd.url })).toBe(`ldap:${slapd.url}`);
    const row = await db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'alice')
      .executeTakeFirst();
    expect(row?.password_hash).toBe(EXTERNAL_PASSWORD_HASH);
    // Only what a local account keeps: no DN, no name, no group in the export.
    expect(JSON.stringify(alice)).not.toMatch(/ou=people|parley-admins|dc=parley/);

    // The next sign-in finds the same account.
    expect((await login('alice', PASSWORDS.alice)).statusCode).toBe(200);
    expect((await accounts.listUsers()).map((user) => user.username)).toEqual(['alice', 'bob']);
    // Of several usernames in one entry, the one typed (the values of an attribute have no order).
    expect((await login('robert', PASSWORDS.bob)).json()).toEqual({
      user: { username: 'robert', role: 'user' },
    });
  });

  it('refuses a wrong password, an unknown user and an empty password, creating nothing', async () => {
    expectError(await login('alice', 'not the password of alice'), 401, 'invalid-credentials');
    expectError(await login('nobody', PASSWORDS.alice), 401, 'invalid-credentials');
    expectError(await login('alice', ''), 400, 'invalid-input');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('never sends an empty password to the directory (it would be an unauthenticated bind)', async () => {
    // slapd itself refuses a bind with a DN and no password…
    const client = new Client({ url: slapd.url });
    await expect(client.bind(dn('alice'), '')).rejects.toThrow();
    await client.unbind();
    // …but Parley does not rely on that: the refusal comes before any connection, so it is the same
    // with a directory that cannot even be reached.
    const nowhere = new LdapDirectory(
      ldapConfig({ PARLEY_LDAP_URL: `ldap://127.0.0.1:${await closedPort()}` }),
    );
    expect(await nowhere.authenticate('alice', '')).toEqual({ kind: 'refused', reason: 'empty-password' });
    const directory = new LdapDirectory(ldapConfig());
    expect(await directory.authenticate('alice', '')).toEqual({ kind: 'refused', reason: 'empty-password' });
  });

  it('escapes the username in the filter, so that no wildcard or filter can be slipped in', async () => {
    const directory = new LdapDirectory(ldapConfig());
    // The control: the real name and password.
    expect(await directory.authenticate('alice', PASSWORDS.alice)).toMatchObject({
      kind: 'accepted',
      username: 'alice',
    });
    // Unescaped, each of these would find alice's entry (or several) and bind with her password.
    for (const attempt of [
      'alic*',
      '*',
      '*)(uid=*',
      'x)(|(uid=alice)',
      'alice)(objectClass=*',
      'al\\2aice',
      '$&',
    ]) {
      expect(await directory.authenticate(attempt, PASSWORDS.alice), attempt).toEqual({
        kind: 'refused',
        reason: 'no-entry',
      });
    }
    // Through the login route, Parley's username rules stop them even before the directory.
    expectError(await login('*)(uid=*', PASSWORDS.alice), 400, 'invalid-input');
    expectError(await login('alic*', PASSWORDS.alice), 400, 'invalid-input');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('gives and takes the administrator role by group membership at each sign-in', async () => {
    expect((await login('bob', PASSWORDS.bob)).json()).toEqual({ user: { username: 'bob', role: 'user' } });
    await changeAdmins('add', 'bob');
    await changeAdmins('delete', 'alice');
    try {
      expect((await login('alice', PASSWORDS.alice)).json()).toEqual({
        user: { username: 'alice', role: 'user' },
      });
      const bob = await login('bob', PASSWORDS.bob);
      expect(await sessionOf(bob)).toEqual({ username: 'bob', role: 'admin' });
      expect((await accounts.listUsers()).map((user) => [user.username, user.role])).toEqual([
        ['alice', 'user'],
        ['bob', 'admin'],
      ]);
    } finally {
      await changeAdmins('add', 'alice');
      await changeAdmins('delete', 'bob');
    }
    expect((await login('alice', PASSWORDS.alice)).json()).toEqual({
      user: { username: 'alice', role: 'admin' },
    });
  });

  it('leaves roles alone without PARLEY_LDAP_ADMIN_GROUP', async () => {
    await app.close();
    app = await buildApp({ PARLEY_LDAP_ADMIN_GROUP: '' });
    expect((await login('alice', PASSWORDS.alice)).json()).toEqual({
      user: { username: 'alice', role: 'user' },
    });
    await accounts.changeRole('alice', 'admin');
    expect((await login('alice', PASSWORDS.alice)).json()).toEqual({
      user: { username: 'alice', role: 'admin' },
    });
  });

  it('signs in over StartTLS and over LDAPS, trusting the configured certificate only', async () => {
    const connections: Record<string, string>[] = [
      { PARLEY_LDAP_STARTTLS: '1' },
      { PARLEY_LDAP_URL: slapd.ldapsUrl },
    ];
    for (const overrides of connections) {
      await app.close();
      app = await buildApp({ ...overrides, PARLEY_LDAP_TLS_CA_FILE: slapd.caFile });
      expect((await login('bob', PASSWORDS.bob)).statusCode, JSON.stringify(overrides)).toBe(200);
      // The same without the certificate: the connection is refused, not downgraded.
      await app.close();
      app = await buildApp(overrides);
      expectError(await login('bob', PASSWORDS.bob), 503, 'directory-unavailable');
      expect(warnings.at(-1)).toEqual([
        { reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
        'LDAP directory unavailable; directory sign-in refused',
      ]);
    }
    // Both reached the same directory: one account, made at the first URL and found through the
    // second (an operator moving from StartTLS to LDAPS locks nobody out).
    expect((await accounts.listUsers()).map((user) => user.username)).toEqual(['bob']);
    expect((await accounts.exportDataOf('bob'))?.account.origin).toBe(`ldap:${slapd.url}`);
  });

  it('answers clearly when the directory is down or hangs, while local accounts still sign in', async () => {
    await accounts.createUser('dora', 'dora local password', 'user');
    const hanging: Socket[] = [];
    const silent: Server = createServer((socket) => void hanging.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      for (const [url, reason] of [
        [`ldap://127.0.0.1:${await closedPort()}`, 'ECONNREFUSED'],
        [`ldap://127.0.0.1:${silentPort}`, 'timeout'],
      ] as const) {
        await app.close();
        app = await buildApp({ PARLEY_LDAP_URL: url }, { connectTimeoutMs: 500, operationTimeoutMs: 500 });
        const refused = await login('alice', PASSWORDS.alice);
        expectError(refused, 503, 'directory-unavailable');
        expect(refused.json().message).toMatch(/cannot be reached.*Parley password can sign in/);
        expect(warnings.at(-1)?.[0]).toEqual({ reason });
        const local = await login('dora', 'dora local password');
        expect(local.statusCode).toBe(200);
        expect(await sessionOf(local)).toEqual({ username: 'dora', role: 'user' });
      }
    } finally {
      for (const socket of hanging) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a directory account whose username a local account holds, and the local one still signs in', async () => {
    await accounts.createUser('carol', 'carol local password', 'admin');
    const taken = await login('carol', PASSWORDS.carol);
    expectError(taken, 409, 'username-taken');
    expect(taken.json().message).toMatch(/does not come from the directory/);
    const local = await login('carol', 'carol local password');
    expect(await sessionOf(local)).toEqual({ username: 'carol', role: 'admin' });
    expect(await accounts.listUsers()).toHaveLength(1);
    expect((await accounts.exportDataOf('carol'))?.account.origin).toBe('local');
    // Nor is an account from a single sign-on provider taken over.
    await accounts.signInExternal('oidc:https://sso.example.org/', 'bob', undefined);
    expectError(await login('bob', PASSWORDS.bob), 409, 'username-taken');
  });

  it('counts directory sign-ins against the same per-username limit as local ones', async () => {
    await app.close();
    app = await buildApp({}, { usernameLimit: 2 });
    expectError(await login('alice', 'wrong one'), 401, 'invalid-credentials');
    expectError(await login('alice', 'wrong two'), 401, 'invalid-credentials');
    const limited = await login('alice', PASSWORDS.alice);
    expectError(limited, 429, 'too-many-attempts');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('searches anonymously without a search account, and reports a refused search account', async () => {
    await app.close();
    app = await buildApp({ PARLEY_LDAP_BIND_DN: '', PARLEY_LDAP_BIND_PASSWORD: '' });
    expect((await login('alice', PASSWORDS.alice)).statusCode).toBe(200);
    await app.close();
    app = await buildApp({ PARLEY_LDAP_BIND_PASSWORD: 'not the service password' });
    expectError(await login('bob', PASSWORDS.bob), 503, 'directory-unavailable');
    expect(warnings.at(-1)?.[0]).toEqual({
      reason: 'the search account was refused (PARLEY_LDAP_BIND_DN, _PASSWORD)',
    });
  });

  it('refuses when the filter finds several entries, or the entry has no usable username', async () => {
    await app.close();
    app = await buildApp({ PARLEY_LDAP_SEARCH_FILTER: '(sn={username})' });
    expectError(await login('twin', PASSWORDS.twin), 401, 'invalid-credentials');
    expect(warnings.at(-1)?.[0]).toMatch(/more than one entry/);
    await app.close();
    app = await buildApp({
      PARLEY_LDAP_USERNAME_ATTRIBUTE: 'cn',
      PARLEY_LDAP_SEARCH_FILTER: '(uid={username})',
    });
    expectError(await login('erin', PASSWORDS.erin), 403, 'no-username');
    expect(await accounts.hasAnyUser()).toBe(false);
  });

  it('works in the whole server, configured from the environment, and logs no name or password', async () => {
    const logLines: string[] = [];
    const server = await startTestServer(
      () => fakeMedia().media,
      {
        ...(env({ PARLEY_LDAP_URL: slapd.ldapsUrl, PARLEY_LDAP_TLS_CA_FILE: slapd.caFile }) as Record<
          string,
          string
        >),
        PARLEY_LDAP_ADMIN_GROUP: `cn=no-such-group,ou=groups,${SUFFIX}`,
      },
      { logLines },
    );
    try {
      const post = (username: string, password: string) =>
        fetch(`${server.url}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
      // The group is missing: refused, and the log says why without naming anyone.
      expect((await post('alice', PASSWORDS.alice)).status).toBe(503);
      await server.close();
      logLines.length = 0;
    } catch (error) {
      await server.close();
      throw error;
    }
    const working = await startTestServer(
      () => fakeMedia().media,
      env({ PARLEY_LDAP_URL: slapd.ldapsUrl, PARLEY_LDAP_TLS_CA_FILE: slapd.caFile }) as Record<
        string,
        string
      >,
      { logLines },
    );
    try {
      const response = await fetch(`${working.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: PASSWORDS.alice }),
      });
      expect(response.status).toBe(200);
      const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
      const session = await fetch(`${working.url}/api/session`, { headers: { cookie } });
      expect(SessionInfo.parse(await session.json()).user).toEqual({ username: 'alice', role: 'admin' });
      const wrong = await fetch(`${working.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bob', password: 'a wrong password for bob' }),
      });
      expect(wrong.status).toBe(401);
    } finally {
      await working.close();
    }
    const log = logLines.join('\n');
    expect(log).toContain('"route":"/api/login"');
    for (const secret of [
      'alice',
      'bob',
      PASSWORDS.alice,
      'a wrong password for bob',
      SERVICE_PASSWORD,
      'ou=people',
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it('refuses sign-ins rather than demote everyone when the administrators’ group does not exist', async () => {
    await app.close();
    app = await buildApp({ PARLEY_LDAP_ADMIN_GROUP: `cn=no-such-group,ou=groups,${SUFFIX}` });
    expectError(await login('alice', PASSWORDS.alice), 503, 'directory-unavailable');
    expect(warnings.at(-1)?.[0]).toEqual({
      reason: 'the administrators’ group does not exist (PARLEY_LDAP_ADMIN_GROUP)',
    });
  });
});
