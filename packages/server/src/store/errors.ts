/**
 * True when a database error is a UNIQUE constraint violation, whichever driver raised it:
 * better-sqlite3 sets `code` to SQLITE_CONSTRAINT_UNIQUE (or _PRIMARYKEY), PostgreSQL to SQLSTATE 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
