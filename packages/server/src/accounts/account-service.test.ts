import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import { closeDatabase, type Database, openDatabase } from '../store/database.js';
import { AccountService, InvalidAccountInputError, UsernameTakenError } from './account-service.js';
import * as password from './password.js';
import { hashSessionToken, SESSION_LIFETIME_MS } from './session-token.js';

// Wrap the real password functions in spies, to see that unknown users still cost a password check.
vi.mock('./password.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./password.js')>();
  return { ...real, verifyAgainstDummy: vi.fn(real.verifyAgainstDummy) };
});

describe.each(DIALECTS)('accounts on $kind', (dialect) => {
  let tmp: string;
  let target: TestDatabase;
  let db: Database;
  let now: number;
  let accounts: AccountService;

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-accounts-'));
    target = await dialect.create(tmp);
    db = await openDatabase(target.config);
    now = Date.UTC(2025, 0, 1);
    accounts = new AccountService(db, { now: () => now, sweepIntervalMs: 0 });
    vi.clearAllMocks();
  });

  afterEach(async () => {
    vi.useRealTimers();
    accounts.close();
    await closeDatabase(db);
    await target.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('users', () => {
    it('creates, lists (without hashes) and deletes accounts, normalising usernames', async () => {
      expect(await accounts.hasAnyUser()).toBe(false);
      const admin = await accounts.createUser('  Alice ', 'correct horse', 'admin');
      expect(admin).toEqual({ id: expect.any(String), username: 'alice', role: 'admin' });
      now += 1000;
      await accounts.createUser('bob', 'battery staple', 'user');
      expect(await accounts.hasAnyUser()).toBe(true);
      expect(await accounts.listUsers()).toEqual([
        { username: 'alice', role: 'admin', createdAt: new Date(Date.UTC(2025, 0, 1)) },
        { username: 'bob', role: 'user', createdAt: new Date(Date.UTC(2025, 0, 1) + 1000) },
      ]);
      expect(await accounts.deleteUser('BOB')).toBe(true);
      expect(await accounts.deleteUser('bob')).toBe(false);
      expect(await accounts.deleteUser('not a name!')).toBe(false);
      expect((await accounts.listUsers()).map((user) => user.username)).toEqual(['alice']);
    });

    it('lists usernames in code-point order on every database', async () => {
      for (const name of ['ab', 'a_b', 'a0', 'a.b', 'a-b', 'b'])
        await accounts.createUser(name, 'correct horse', 'user');
      expect((await accounts.listUsers()).map((user) => user.username)).toEqual([
        'a-b',
        'a.b',
        'a0',
        'a_b',
        'ab',
        'b',
      ]);
    });

    it('stores an argon2id hash with OWASP parameters, never the password', async () => {
      await accounts.createUser('alice', 'correct horse', 'user');
      const row = await db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row.password_hash).not.toContain('correct horse');
    });

    it('refuses a taken username and invalid input with the protocol messages', async () => {
      await accounts.createUser('alice', 'correct horse', 'user');
      await expect(accounts.createUser('ALICE', 'another password', 'admin')).rejects.toThrow(
        UsernameTakenError,
      );
      await expect(accounts.createUser('al ice', 'correct horse', 'user')).rejects.toThrow(
        new InvalidAccountInputError(
          'A username has 1–32 characters: lowercase letters, digits, ".", "_" and "-".',
        ),
      );
      await expect(accounts.createUser('carol', 'short', 'user')).rejects.toThrow(
        new InvalidAccountInputError('A password has at least 8 characters.'),
      );
      expect(await accounts.listUsers()).toHaveLength(1);
    });
  });

  describe('createFirstAdmin', () => {
    it('creates an administrator only while no account exists', async () => {
      expect(await accounts.createFirstAdmin('root', 'correct horse')).toMatchObject({
        username: 'root',
        role: 'admin',
      });
      expect(await accounts.createFirstAdmin('mallory', 'correct horse')).toBeNull();
      expect((await accounts.listUsers()).map((user) => user.username)).toEqual(['root']);
    });

    it('lets exactly one of several simultaneous attempts win', async () => {
      const results = await Promise.all(
        ['a1', 'a2', 'a3', 'a4'].map((name) => accounts.createFirstAdmin(name, 'correct horse')),
      );
      expect(results.filter((result) => result !== null)).toHaveLength(1);
      expect(await accounts.listUsers()).toHaveLength(1);
    });
  });

  describe('verifyCredentials', () => {
    it('accepts the right password only (username case-insensitive)', async () => {
      const alice = await accounts.createUser('alice', 'correct horse', 'admin');
      expect(await accounts.verifyCredentials('Alice', 'correct horse')).toEqual(alice);
      expect(await accounts.verifyCredentials('alice', 'wrong horse')).toBeNull();
      expect(password.verifyAgainstDummy).not.toHaveBeenCalled();
    });

    it('spends a password check on unknown and malformed usernames too', async () => {
      await accounts.createUser('alice', 'correct horse', 'user');
      expect(await accounts.verifyCredentials('nobody', 'correct horse')).toBeNull();
      expect(await accounts.verifyCredentials('not valid!', 'correct horse')).toBeNull();
      expect(password.verifyAgainstDummy).toHaveBeenCalledTimes(2);
      expect(password.verifyAgainstDummy).toHaveBeenCalledWith('correct horse');
    });
  });

  describe('sessions', () => {
    it('maps a token to its user and stores only the token hash', async () => {
      const alice = await accounts.createUser('alice', 'correct horse', 'admin');
      const token = await accounts.createSession(alice.id);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await accounts.sessionUser(token)).toEqual(alice);
      const rows = await db.selectFrom('sessions').selectAll().execute();
      expect(rows).toEqual([
        {
          token_hash: hashSessionToken(token),
          user_id: alice.id,
          created_at: now,
          expires_at: now + SESSION_LIFETIME_MS,
        },
      ]);
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(await accounts.sessionUser('')).toBeNull();
      expect(await accounts.sessionUser('x'.repeat(5000))).toBeNull();
      // A token differing in one character (the first: all six of its bits count) is another token.
      const altered = `${token.startsWith('A') ? 'B' : 'A'}${token.slice(1)}`;
      expect(await accounts.sessionUser(altered)).toBeNull();
    });

    it('ends a session after exactly 7 days and deletes the expired row on lookup', async () => {
      const alice = await accounts.createUser('alice', 'correct horse', 'user');
      const token = await accounts.createSession(alice.id);
      now += SESSION_LIFETIME_MS - 1;
      expect(await accounts.sessionUser(token)).not.toBeNull();
      now += 1;
      expect(await accounts.sessionUser(token)).toBeNull();
      expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
    });

    it('deletes a session on sign-out and all sessions of a deleted user', async () => {
      const alice = await accounts.createUser('alice', 'correct horse', 'user');
      const first = await accounts.createSession(alice.id);
      const second = await accounts.createSession(alice.id);
      await accounts.deleteSession(first);
      expect(await accounts.sessionUser(first)).toBeNull();
      expect(await accounts.sessionUser(second)).toEqual(alice);
      await accounts.deleteUser('alice');
      expect(await accounts.sessionUser(second)).toBeNull();
      expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
    });

    it('sweeps expired sessions and keeps live ones', async () => {
      const alice = await accounts.createUser('alice', 'correct horse', 'user');
      await accounts.createSession(alice.id);
      now += 1000;
      const live = await accounts.createSession(alice.id);
      now += SESSION_LIFETIME_MS - 500;
      expect(await accounts.sweepExpired()).toBe(1);
      expect(await accounts.sweepExpired()).toBe(0);
      expect(await accounts.sessionUser(live)).toEqual(alice);
    });

    it('sweeps in the background on an interval until closed', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const sweeping = new AccountService(db, { now: () => now, sweepIntervalMs: 60_000 });
      const alice = await sweeping.createUser('alice', 'correct horse', 'user');
      await sweeping.createSession(alice.id);
      now += SESSION_LIFETIME_MS;
      const count = async () => (await db.selectFrom('sessions').selectAll().execute()).length;
      vi.advanceTimersByTime(59_999);
      expect(await count()).toBe(1);
      vi.advanceTimersByTime(1);
      await vi.waitFor(async () => expect(await count()).toBe(0));

      sweeping.close();
      await sweeping.createSession(alice.id);
      now += SESSION_LIFETIME_MS;
      vi.advanceTimersByTime(120_000);
      expect(vi.getTimerCount()).toBe(0);
      expect(await count()).toBe(1);
    });
  });

  describe('own data', () => {
    it('exports the account and every session row it has, without hashes', async () => {
      const alice = await accounts.createUser('alice', 'correct horse', 'user');
      const bob = await accounts.createUser('bob', 'battery staple', 'user');
      await accounts.createSession(alice.id);
      now += 60_000;
      await accounts.createSession(alice.id);
      await accounts.createSession(bob.id);
      const start = Date.UTC(2025, 0, 1);
      const data = await accounts.exportData(alice.id);
      expect(data).toEqual({
        account: {
          id: alice.id,
          username: 'alice',
          role: 'user',
          createdAt: new Date(start).toISOString(),
          origin: 'local',
        },
        sessions: [
          {
            createdAt: new Date(start).toISOString(),
            expiresAt: new Date(start + SESSION_LIFETIME_MS).toISOString(),
          },
          {
            createdAt: new Date(start + 60_000).toISOString(),
            expiresAt: new Date(start + 60_000 + SESSION_LIFETIME_MS).toISOString(),
          },
        ],
        keptRooms: [],
      });
      expect(JSON.stringify(data)).not.toMatch(/argon2/);
      expect(await accounts.exportDataOf('ALICE')).toEqual(data);
      expect(await accounts.exportDataOf('nobody')).toBeNull();
      expect(await accounts.exportDataOf('not valid!')).toBeNull();
      expect(await accounts.exportData('no-such-id')).toBeNull();
    });

    it('deletes one’s own account with its sessions, but never the last administrator', async () => {
      const root = await accounts.createUser('root', 'correct horse', 'admin');
      const alice = await accounts.createUser('alice', 'correct horse', 'user');
      const aliceToken = await accounts.createSession(alice.id);
      const rootToken = await accounts.createSession(root.id);

      expect(await accounts.deleteOwnAccount(root.id)).toBe('last-admin');
      expect(await accounts.sessionUser(rootToken)).toEqual(root);

      expect(await accounts.deleteOwnAccount(alice.id)).toBe('deleted');
      expect(await accounts.sessionUser(aliceToken)).toBeNull();
      expect(await db.selectFrom('sessions').select('user_id').execute()).toEqual([{ user_id: root.id }]);
      expect(await accounts.deleteOwnAccount(alice.id)).toBe('not-found');

      const second = await accounts.createUser('second', 'correct horse', 'admin');
      expect(await accounts.deleteOwnAccount(root.id)).toBe('deleted');
      expect(await accounts.deleteOwnAccount(second.id)).toBe('last-admin');
      expect((await accounts.listUsers()).map((user) => user.username)).toEqual(['second']);
    });
  });

  describe('administration (/admin)', () => {
    it('deletes another account with its sessions; never one’s own, never the last administrator', async () => {
      const root = await accounts.createUser('root', 'correct horse', 'admin');
      const alice = await accounts.createUser('alice', 'correct horse', 'user');
      const aliceToken = await accounts.createSession(alice.id);

      expect(await accounts.deleteAccountOf('root', root.id)).toBe('self');
      // Only reachable when the acting administrator is gone meanwhile (or by a race): still refused.
      expect(await accounts.deleteAccountOf('root', 'someone-else')).toBe('last-admin');
      expect(await accounts.deleteAccountOf('Alice', root.id)).toBe('deleted');
      expect(await accounts.sessionUser(aliceToken)).toBeNull();
      expect(await accounts.deleteAccountOf('alice', root.id)).toBe('not-found');
      expect(await accounts.deleteAccountOf('not valid!', root.id)).toBe('not-found');
      expect((await accounts.listUsers()).map((user) => user.username)).toEqual(['root']);
    });

    it('changes roles at once for open sessions, but never demotes the last administrator', async () => {
      const root = await accounts.createUser('root', 'correct horse', 'admin');
      const bob = await accounts.createUser('bob', 'correct horse', 'user');
      const bobToken = await accounts.createSession(bob.id);

      expect(await accounts.changeRole('root', 'user')).toBe('last-admin');
      expect(await accounts.changeRole('bob', 'user')).toBe('unchanged');
      expect(await accounts.changeRole('BOB', 'admin')).toBe('changed');
      expect(await accounts.sessionUser(bobToken)).toEqual({ ...bob, role: 'admin' });
      expect(await accounts.changeRole('root', 'user')).toBe('changed');
      expect(await accounts.changeRole('bob', 'user')).toBe('last-admin');
      expect(await accounts.changeRole('nobody', 'admin')).toBe('not-found');
      expect(await accounts.changeRole('not valid!', 'admin')).toBe('not-found');
      expect(await accounts.listUsers()).toEqual([
        expect.objectContaining({ username: 'bob', role: 'admin' }),
        expect.objectContaining({ username: root.username, role: 'user' }),
      ]);
    });

    it('never leaves the server without an administrator when two are demoted at the same time', async () => {
      await accounts.createUser('ann', 'correct horse', 'admin');
      await accounts.createUser('ben', 'correct horse', 'admin');
      const outcomes = await Promise.allSettled([
        accounts.changeRole('ann', 'user'),
        accounts.changeRole('ben', 'user'),
      ]);
      // One goes through; the other is refused, or fails as a serialization conflict (PostgreSQL).
      expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'changed')).toHaveLength(1);
      const admins = (await accounts.listUsers()).filter((user) => user.role === 'admin');
      expect(admins).toHaveLength(1);
    });
  });
});
