import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { Config } from '../config.js';
import { migrationProvider } from './migrations.js';
import type { Schema } from './schema.js';

/** The one handle on persistent storage: accounts and sessions, nothing else. */
export type Database = Kysely<Schema>;

export const SQLITE_FILE_NAME = 'parley.sqlite';

export class DatabaseError extends Error {}

/**
 * Opens the embedded SQLite database under `config.dataDir` (created with mode 0700, the file with
 * 0600: it holds password hashes) and brings its schema up to date.
 */
export async function openDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Database> {
  if (config.databaseUrl !== undefined) {
    throw new DatabaseError(
      'PARLEY_DATABASE_URL is set, but this version of Parley only supports its embedded SQLite database. ' +
        'Unset PARLEY_DATABASE_URL to use it.',
    );
  }
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(config.dataDir, SQLITE_FILE_NAME);
  // Create the file ourselves so it never exists with umask-default permissions; SQLite gives its
  // -wal and -shm companions the same mode as the database file.
  fs.closeSync(fs.openSync(file, 'a', 0o600));

  const sqlite = new SqliteDatabase(file, { timeout: 5000 });
  // WAL lets the admin command line write while the server reads; foreign keys make ON DELETE
  // CASCADE work (SQLite leaves them off by default).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');

  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

async function migrate(db: Database): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new DatabaseError(
      `Database migration ${failed ?? '(before any migration ran)'} failed: ${describe(error)}`,
      { cause: error },
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.destroy();
}
