import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import { closeDatabase, openDatabase } from '../store/database.js';
import { AccountService } from './account-service.js';
import { runAdminCli } from './admin-cli.js';

let tmp: string;
/** The database the command line works on; its data directory is `data` under `tmp`. */
let target: TestDatabase | undefined;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-'));
  target = undefined;
});

afterEach(async () => {
  await target?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], options: { password?: string; stdin?: string } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  // A relative PARLEY_DATA_DIR, resolved against the command line's working directory.
  const env: NodeJS.ProcessEnv = { ...target?.env, PARLEY_DATA_DIR: 'data' };
  if (options.password !== undefined) env.PARLEY_PASSWORD = options.password;
  const code = await runAdminCli({
    argv,
    env,
    cwd: tmp,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** Looks into the database the way the server does. */
async function withAccounts<T>(use: (accounts: AccountService) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: path.join(tmp, 'data'), databaseUrl: target?.config.databaseUrl });
  const accounts = new AccountService(db, { sweepIntervalMs: 0 });
  try {
    return await use(accounts);
  } finally {
    accounts.close();
    await closeDatabase(db);
  }
}

describe.each(DIALECTS)('the command line on $kind', (dialect) => {
  beforeEach(async () => {
    target = await dialect.create(path.join(tmp, 'data'));
  });

  describe('parley user add', () => {
    it('adds an administrator with the password from PARLEY_PASSWORD', async () => {
      expect(await run(['user', 'add', 'Alice', '--admin'], { password: 'correct horse' })).toEqual({
        code: 0,
        stdout: 'Added administrator "alice".\n',
        stderr: '',
      });
      const alice = await withAccounts((accounts) => accounts.verifyCredentials('alice', 'correct horse'));
      expect(alice).toMatchObject({ username: 'alice', role: 'admin' });
    });

    it('reads the first line of stdin when PARLEY_PASSWORD is unset', async () => {
      const result = await run(['user', 'add', 'bob'], { stdin: 'battery staple\r\nignored second line\n' });
      expect(result).toEqual({ code: 0, stdout: 'Added user "bob".\n', stderr: '' });
      const bob = await withAccounts((accounts) => accounts.verifyCredentials('bob', 'battery staple'));
      expect(bob).toMatchObject({ username: 'bob', role: 'user' });
    });

    it('explains a missing password, a bad password, a bad username and a taken username', async () => {
      expect(await run(['user', 'add', 'bob'], { stdin: '' })).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'parley: no password: set PARLEY_PASSWORD or write the password as the first line of standard input.\n',
      });
      expect(await run(['user', 'add', 'bob'], { password: 'short' })).toMatchObject({
        code: 1,
        stderr: 'parley: A password has at least 8 characters.\n',
      });
      expect(await run(['user', 'add', 'b o b'], { password: 'correct horse' })).toMatchObject({
        code: 1,
        stderr: 'parley: A username has 1–32 characters: lowercase letters, digits, ".", "_" and "-".\n',
      });
      await run(['user', 'add', 'bob'], { password: 'correct horse' });
      expect(await run(['user', 'add', 'BOB', '--admin'], { password: 'correct horse' })).toEqual({
        code: 1,
        stdout: '',
        stderr: 'parley: user "bob" already exists.\n',
      });
      expect(await withAccounts((accounts) => accounts.listUsers())).toMatchObject([
        { username: 'bob', role: 'user' },
      ]);
    });
  });

  describe('parley user delete and list', () => {
    it('lists accounts without hashes, deletes one, and reports a missing one', async () => {
      expect(await run(['user', 'list'])).toEqual({ code: 0, stdout: 'No accounts yet.\n', stderr: '' });
      await run(['user', 'add', 'alice', '--admin'], { password: 'correct horse' });
      await run(['user', 'add', 'bob'], { password: 'battery staple' });
      const today = new Date().toISOString().slice(0, 10);
      const list = await run(['user', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toBe(
        `USERNAME  ROLE   CREATED\nalice     admin  ${today}\nbob       user   ${today}\n`,
      );
      expect(list.stdout).not.toContain('argon2');

      expect(await run(['user', 'delete', 'bob'])).toEqual({
        code: 0,
        stdout: 'Deleted user "bob" and ended their sessions.\n',
        stderr: '',
      });
      expect(await run(['user', 'delete', 'bob'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'parley: no such user "bob".\n',
      });
      const left = await withAccounts((accounts) => accounts.listUsers());
      expect(left.map((user) => user.username)).toEqual(['alice']);
    });
  });

  describe('parley user role', () => {
    it('changes a role with the /admin page’s rule: never demotes the last administrator', async () => {
      await run(['user', 'add', 'alice', '--admin'], { password: 'correct horse' });
      await run(['user', 'add', 'bob'], { password: 'battery staple' });
      expect(await run(['user', 'role', 'alice', 'user'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'parley: "alice" is the only administrator; make another account an administrator first.\n',
      });
      expect(await run(['user', 'role', 'Bob', 'admin'])).toEqual({
        code: 0,
        stdout: '"bob" is now an administrator.\n',
        stderr: '',
      });
      expect((await run(['user', 'role', 'alice', 'user'])).code).toBe(0);
      expect((await run(['user', 'role', 'nobody', 'user'])).stderr).toBe('parley: no such user "nobody".\n');
      expect((await run(['user', 'role', 'bob', 'root'])).stderr).toMatch(/admin\|user/);
      expect((await run(['user', 'role', 'bob'])).code).toBe(1);
      expect((await run(['user', 'role', 'bob', 'admin', 'extra'])).stderr).toMatch(
        /unexpected argument "extra"/,
      );
      const roles = await withAccounts((accounts) => accounts.listUsers());
      expect(roles.map((user) => `${user.username}:${user.role}`)).toEqual(['alice:user', 'bob:admin']);
    });
  });

  describe('parley user export', () => {
    it('prints the account and its sessions as JSON, without any hash', async () => {
      await run(['user', 'add', 'alice'], { password: 'correct horse' });
      await withAccounts(async (accounts) => {
        const alice = await accounts.verifyCredentials('alice', 'correct horse');
        await accounts.createSession(alice!.id);
      });
      const result = await run(['user', 'export', 'ALICE']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      const exported = JSON.parse(result.stdout);
      expect(exported).toMatchObject({
        account: { id: expect.any(String), username: 'alice', role: 'user' },
        sessions: [{ createdAt: expect.any(String), expiresAt: expect.any(String) }],
      });
      expect(Date.parse(exported.exportedAt)).not.toBeNaN();
      expect(result.stdout).not.toMatch(/argon2|token_hash|password_hash/);
    });

    it('reports a missing account', async () => {
      expect(await run(['user', 'export', 'nobody'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'parley: no such user "nobody".\n',
      });
    });
  });
});

describe('usage', () => {
  it('prints help with --help and exits 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('user add <username> [--admin]');
    expect(help.stdout).toContain('PARLEY_PASSWORD');
  });

  it.each([
    [[], 'parley: missing command. Run with --help to see the commands.\n'],
    [['group'], 'parley: unknown command "group". Run with --help to see the commands.\n'],
    [['user'], 'parley: missing action: user add, user delete, user role, user export or user list.\n'],
    [['user', 'rename', 'a'], 'parley: unknown action "user rename". Run with --help to see the commands.\n'],
    [['user', 'add'], 'parley: missing username: user add <username>.\n'],
    [['user', 'delete', 'a', '--admin'], 'parley: unknown option "--admin" for "user delete".\n'],
    [['user', 'add', 'a', 'b'], 'parley: unexpected argument "b".\n'],
    [['user', 'list', 'a'], 'parley: unexpected argument "a".\n'],
  ])('refuses %j with one line and exit code 1', async (argv, message) => {
    expect(await run(argv, { password: 'correct horse' })).toEqual({ code: 1, stdout: '', stderr: message });
    expect(fs.existsSync(path.join(tmp, 'data'))).toBe(false);
  });
});
