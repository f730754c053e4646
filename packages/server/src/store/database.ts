import { Kysely, Migrator, sql } from 'kysely';
import type { Config } from '../config.js';
import { migrationProvider } from './migrations.js';
import { postgresDialect } from './postgres.js';
import type { Schema } from './schema.js';
import { sqliteDialect } from './sqlite.js';

export { SQLITE_FILE_NAME } from './sqlite.js';

/** The one handle on persistent storage: accounts, sessions and the instance settings, nothing else. */
export type Database = Kysely<Schema>;

/** Which engine holds the accounts: the embedded SQLite file, or a PostgreSQL server. */
export type DatabaseKind = 'sqlite' | 'postgres';

export class DatabaseError extends Error {}

/**
 * Which engine the configuration asks for: PostgreSQL when PARLEY_DATABASE_URL is a `postgres://`
 * (or `postgresql://`) URL, else SQLite. Error messages never repeat the URL: it may hold a password.
 */
export function databaseKind(config: Pick<Config, 'databaseUrl'>): DatabaseKind {
  if (config.databaseUrl === undefined) return 'sqlite';
  let protocol: string;
  try {
    protocol = new URL(config.databaseUrl).protocol;
  } catch {
    throw new DatabaseError(
      'PARLEY_DATABASE_URL is not a valid URL; expected postgres://user:password@host/db.',
    );
  }
  if (protocol === 'postgres:' || protocol === 'postgresql:') return 'postgres';
  throw new DatabaseError(
    `PARLEY_DATABASE_URL must be a postgres:// URL (got a ${protocol} URL). Unset it to use the embedded SQLite database.`,
  );
}

/**
 * Opens the database the configuration names and brings its schema up to date. SQLite lives in
 * `config.dataDir`; with PostgreSQL nothing is written there.
 */
export async function openDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Database> {
  const dialect =
    databaseKind(config) === 'postgres'
      ? postgresDialect(config.databaseUrl!)
      : sqliteDialect(config.dataDir);
  const db = new Kysely<Schema>({ dialect });
  try {
    await migrate(db, databaseKind(config) === 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** Further runs of the migrations after a failed one (see `migrate`). */
const MIGRATION_RETRIES = 4;

/**
 * PostgreSQL: the schema Parley's tables go in (the first of the connection's search_path). Kysely's
 * migrator looks for its own tables in every schema unless told which: another schema holding them
 * (another application, or a parallel test) would make it skip creating its lock table here.
 */
async function currentSchema(db: Database): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}

async function migrate(db: Database, postgres: boolean): Promise<void> {
  let schema: string | undefined;
  try {
    schema = postgres ? await currentSchema(db) : undefined;
  } catch (error) {
    throw new DatabaseError(`Could not reach or prepare the database: ${describe(error)}`, { cause: error });
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema !== undefined && { migrationTableSchema: schema }),
  });
  let { error, results } = await migrator.migrateToLatest();
  // PostgreSQL serialises concurrent migrators with a lock, SQLite does not: when the command line
  // or another process applies the same migrations at the same moment, ours fails ("table already
  // exists", "database is locked"), and a later run finds nothing left to do. The longer the list,
  // the longer the other's transaction: try a few times, a little later each time. A broken
  // migration fails every time.
  for (let attempt = 1; error !== undefined && attempt <= MIGRATION_RETRIES; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new DatabaseError(
      failed === undefined
        ? `Could not reach or prepare the database: ${describe(error)}`
        : `Database migration ${failed} failed: ${describe(error)}`,
      { cause: error },
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // node-postgres reports a refused connection to every address of a host as one AggregateError.
    return error.errors.map(describe).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** Resolves when the database answers a trivial query (readiness checks). */
export async function pingDatabase(db: Database): Promise<void> {
  await sql`select 1`.execute(db);
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.destroy();
}
