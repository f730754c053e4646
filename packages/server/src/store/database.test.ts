import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, type Database, DatabaseError, openDatabase, SQLITE_FILE_NAME } from './database.js';
import { isUniqueViolation } from './errors.js';

let tmp: string;
let dataDir: string;
const open: Database[] = [];

async function openHere(): Promise<Database> {
  const db = await openDatabase({ dataDir, databaseUrl: undefined });
  open.push(db);
  return db;
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-'));
  dataDir = path.join(tmp, 'nested', 'data');
});

afterEach(async () => {
  for (const db of open.splice(0)) await closeDatabase(db);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function columnsOf(db: Database, table: string): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
  return result.rows.map((row) => row.name).sort();
}

describe('openDatabase', () => {
  it('creates the data directory (0700) and the SQLite file (0600)', async () => {
    await openHere();
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, SQLITE_FILE_NAME)).mode & 0o777).toBe(0o600);
  });

  it('migrates to exactly the minimal account schema', async () => {
    const db = await openHere();
    expect(await columnsOf(db, 'users')).toEqual(['created_at', 'id', 'password_hash', 'role', 'username']);
    expect(await columnsOf(db, 'sessions')).toEqual(['created_at', 'expires_at', 'token_hash', 'user_id']);
    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
    expect(tables.rows.map((row) => row.name)).toEqual([
      'kysely_migration',
      'kysely_migration_lock',
      'sessions',
      'users',
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
    expect(migrations.rows).toEqual([{ name: '0001_accounts' }]);
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
    await expect(
      db
        .insertInto('users')
        .values({ ...alice, id: 'u3', username: 'bob', role: 'root' as 'admin' })
        .execute(),
    ).rejects.toThrow(/CHECK constraint/);

    await db
      .insertInto('sessions')
      .values({ token_hash: 'h', user_id: 'u1', created_at: 1, expires_at: 2 })
      .execute();
    await db.deleteFrom('users').where('id', '=', 'u1').execute();
    expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('stores epoch milliseconds beyond 32 bits exactly', async () => {
    const db = await openHere();
    const when = Date.UTC(2100, 0, 1);
    await db
      .insertInto('users')
      .values({ id: 'u1', username: 'alice', password_hash: 'x', role: 'user', created_at: when })
      .execute();
    const row = await db.selectFrom('users').select('created_at').executeTakeFirstOrThrow();
    expect(Number(row.created_at)).toBe(when);
  });

  it('refuses PARLEY_DATABASE_URL clearly instead of silently using SQLite', async () => {
    await expect(openDatabase({ dataDir, databaseUrl: 'postgres://db/parley' })).rejects.toThrow(
      DatabaseError,
    );
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

describe('isUniqueViolation', () => {
  it('recognises SQLite and PostgreSQL codes only', () => {
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(true);
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_CHECK' })).toBe(false);
    expect(isUniqueViolation(new Error('UNIQUE'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
