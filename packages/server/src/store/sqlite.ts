import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type Dialect, SqliteDialect } from 'kysely';

export const SQLITE_FILE_NAME = 'parley.sqlite';

/**
 * The embedded database: one SQLite file under `dataDir` (created with mode 0700, the file with
 * 0600: it holds password hashes).
 */
export function sqliteDialect(dataDir: string): Dialect {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SQLITE_FILE_NAME);
  // Create the file ourselves so it never exists with umask-default permissions; SQLite gives its
  // -wal and -shm companions the same mode as the database file.
  fs.closeSync(fs.openSync(file, 'a', 0o600));

  const sqlite = new SqliteDatabase(file, { timeout: 5000 });
  // WAL lets the admin command line write while the server reads; foreign keys make ON DELETE
  // CASCADE work (SQLite leaves them off by default).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  return new SqliteDialect({ database: sqlite });
}
