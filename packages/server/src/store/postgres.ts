import { type Dialect, PostgresDialect } from 'kysely';
import pg from 'pg';

/**
 * node-postgres reads `bigint` (int8) columns as strings, because they may exceed 2^53. Ours hold
 * epoch milliseconds and row counts, far below that, so read them as numbers: both dialects then
 * return the same JavaScript values.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? Number
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** A PostgreSQL server given by a `postgres://` URL, through a small connection pool. */
export function postgresDialect(url: string): Dialect {
  const pool = new pg.Pool({
    connectionString: url,
    types,
    application_name: 'parley',
    max: 10,
    // Fail (and let /readyz say so) instead of waiting forever for an unreachable server.
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server dropped (restart, failover) is reported here; without a listener
  // it would crash the process. The pool replaces it, and queries that fail reach their callers.
  pool.on('error', () => {});
  // A dropped connection can report a second error (the socket's reset after the server's goodbye)
  // once the pool has already let go of it; every client keeps a listener of its own for that.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return new PostgresDialect({ pool });
}
