import { type Kysely, sql } from 'kysely';

/**
 * `table.column` of every column of every table Parley's database holds, sorted, on either dialect:
 * on PostgreSQL only the schema Parley's connections use (tests give each a schema of its own).
 */
export async function schemaColumns<DB>(db: Kysely<DB>): Promise<string[]> {
  let tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (tables.some((table) => table.schema !== undefined)) {
    const current = await sql<{ name: string }>`select current_schema() as name`.execute(db);
    tables = tables.filter((table) => table.schema === current.rows[0]?.name);
  }
  return tables.flatMap((table) => table.columns.map((column) => `${table.name}.${column.name}`)).sort();
}
