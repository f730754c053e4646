import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemaColumns } from '../../test/support/schema-columns.js';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import {
  closeDatabase,
  type Database,
  DatabaseError,
  databaseKind,
  openDatabase,
  pingDatabase,
  SQLITE_FILE_NAME,
} from './database.js';
import { isUniqueViolation } from './errors.js';

let tmp: string;
let dataDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-'));
  dataDir = path.join(tmp, 'nested', 'data');
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(DIALECTS)('openDatabase ($kind)', (dialect) => {
  let target: TestDatabase;
  const open: Database[] = [];

  async function openHere(): Promise<Database> {
    const db = await openDatabase(target.config);
    open.push(db);
    return db;
  }

  beforeEach(async () => {
    target = await dialect.create(dataDir);
  });

  afterEach(async () => {
    for (const db of open.splice(0)) await closeDatabase(db);
    await target.drop();
  });

  it('picks the dialect from the configuration', () => {
    expect(databaseKind(target.config)).toBe(dialect.kind);
  });

  it('migrates to exactly the minimal account, settings and kept rooms schema', async () => {
    const db = await openHere();
    expect(await schemaColumns(db)).toEqual([
      'instance_settings.name',
      'instance_settings.value',
      'kept_room_moderators.room_id',
      'kept_room_moderators.user_id',
      'kept_rooms.created_at',
      'kept_rooms.e2ee',
      'kept_rooms.id',
      'kept_rooms.last_opened_at',
      'kept_rooms.lobby',
      'kept_rooms.name',
      'kept_rooms.next_minutes',
      'kept_rooms.next_start_at',
      'kept_rooms.owner_id',
      'kept_rooms.password_hash',
      'kysely_migration.name',
      'kysely_migration.timestamp',
      'kysely_migration_lock.id',
      'kysely_migration_lock.is_locked',
      'sessions.created_at',
      'sessions.expires_at',
      'sessions.token_hash',
      'sessions.user_id',
      'users.created_at',
      'users.id',
      'users.origin',
      'users.password_hash',
      'users.role',
      'users.username',
    ]);
  });

  it('keeps data across reopenings and runs migrations only once', async () => {
    const first = await openHere();
    await first
      .insertInto('users')
      .values({ id: 'u1', username: 'alice', password_hash: 'x', role: 'admin', created_at: 1 })
      .execute();
    await closeDatabase(open.pop()!);
    const second = await openHere();
    const users = await second.selectFrom('users').select('username').execute();
    expect(users).toEqual([{ username: 'alice' }]);
    const migrations = await sql<{ name: string }>`select name from kysely_migration`.execute(second);
    expect(migrations.rows).toEqual([
      { name: '0001_accounts' },
      { name: '0002_instance_settings' },
      { name: '0003_kept_rooms' },
      { name: '0004_account_origin' },
    ]);
  });

  it('lets several processes open (and migrate) the same database at once', async () => {
    // Cluster nodes start together; the migration lock keeps them from applying a migration twice.
    await Promise.all([openHere(), openHere(), openHere()]);
    const migrations = await sql<{ name: string }>`select name from kysely_migration`.execute(open[0]!);
    expect(migrations.rows).toEqual([
      { name: '0001_accounts' },
      { name: '0002_instance_settings' },
      { name: '0003_kept_rooms' },
      { name: '0004_account_origin' },
    ]);
  });

  it('enforces unique usernames, the role check and cascading session deletion', async () => {
    const db = await openHere();
    const alice = { id: 'u1', username: 'alice', password_hash: 'x', role: 'admin' as const, created_at: 1 };
    await db.insertInto('users').values(alice).execute();
    const duplicate = await db
      .insertInto('users')
      .values({ ...alice, id: 'u2' })
      .execute()
      .catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const samePrimaryKey = await db
      .insertInto('users')
      .values({ ...alice, username: 'other' })
      .execute()
      .catch((error: unknown) => error);
    expect(isUniqueViolation(samePrimaryKey)).toBe(true);
    const badRole = await db
      .insertInto('users')
      .values({ ...alice, id: 'u3', username: 'bob', role: 'root' as 'admin' })
      .execute()
      .catch((error: unknown) => error);
    expect(String(badRole)).toMatch(/check constraint/i);
    expect(isUniqueViolation(badRole)).toBe(false);

    await db
      .insertInto('sessions')
      .values({ token_hash: 'h', user_id: 'u1', created_at: 1, expires_at: 2 })
      .execute();
    await db.deleteFrom('users').where('id', '=', 'u1').execute();
    expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('stores epoch milliseconds beyond 32 bits exactly and reads them back as numbers', async () => {
    const db = await openHere();
    const when = Date.UTC(2100, 0, 1);
    await db
      .insertInto('users')
      .values({ id: 'u1', username: 'alice', password_hash: 'x', role: 'user', created_at: when })
      .execute();
    const row = await db.selectFrom('users').select('created_at').executeTakeFirstOrThrow();
    expect(row.created_at).toBe(when);
    const count = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    expect(count).toEqual({ count: 1 });
  });

  it('answers a ping while open and fails it once closed', async () => {
    const db = await openHere();
    await expect(pingDatabase(db)).resolves.toBeUndefined();
    await closeDatabase(open.pop()!);
    await expect(pingDatabase(db)).rejects.toThrow();
  });
});

describe('the embedded SQLite database', () => {
  it('lives in the data directory (0700) in a file only the owner can read (0600)', async () => {
    const db = await openDatabase({ dataDir, databaseUrl: undefined });
    await closeDatabase(db);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, SQLITE_FILE_NAME)).mode & 0o777).toBe(0o600);
  });
});

describe('PostgreSQL configuration', () => {
  const postgres = DIALECTS.find((dialect) => dialect.kind === 'postgres')!;

  it('writes nothing into the data directory', async () => {
    const target = await postgres.create(dataDir);
    const db = await openDatabase(target.config);
    await closeDatabase(db);
    await target.drop();
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('explains an unreachable server without repeating the URL (it may hold a password)', async () => {
    const url = 'postgres://parley:s3cret-pw@127.0.0.1:1/parley';
    const failure = await openDatabase({ dataDir, databaseUrl: url }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseError);
    expect(String(failure)).toMatch(/ECONNREFUSED/);
    expect(String(failure)).not.toContain('s3cret-pw');
  });

  it('refuses URLs of other databases clearly instead of silently using SQLite', async () => {
    for (const databaseUrl of ['mysql://db/parley', 'not a url', 'sqlite:///srv/parley.db']) {
      const failure = await openDatabase({ dataDir, databaseUrl }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DatabaseError);
      expect(String(failure)).toMatch(/PARLEY_DATABASE_URL/);
    }
    expect(databaseKind({ databaseUrl: 'postgresql://db/parley' })).toBe('postgres');
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

describe('isUniqueViolation', () => {
  it('recognises SQLite and PostgreSQL codes only', () => {
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(true);
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_CHECK' })).toBe(false);
    expect(isUniqueViolation({ code: '23514' })).toBe(false);
    expect(isUniqueViolation(new Error('UNIQUE'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
