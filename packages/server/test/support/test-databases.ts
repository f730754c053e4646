// Run a database test against every dialect Parley supports: `describe.each(DIALECTS)(...)`.
import { inject } from 'vitest';
import type { Config } from '../../src/config.js';
import type { DatabaseKind } from '../../src/store/database.js';
import { createTestSchema } from './postgres.js';

/** An empty database for one test, and how to configure Parley (or its command line) for it. */
export interface TestDatabase {
  config: Pick<Config, 'dataDir' | 'databaseUrl'>;
  /** The same as environment variables. */
  env: Record<string, string>;
  /** Deletes what the test stored (SQLite's file goes with the caller's temporary directory). */
  drop(): Promise<void>;
}

export interface TestDialect {
  kind: DatabaseKind;
  /** A fresh, empty database; `dataDir` is where SQLite keeps its file. */
  create(dataDir: string): Promise<TestDatabase>;
}

const sqlite: TestDialect = {
  kind: 'sqlite',
  async create(dataDir) {
    return {
      config: { dataDir, databaseUrl: undefined },
      env: { PARLEY_DATA_DIR: dataDir },
      drop: async () => {},
    };
  },
};

const postgres: TestDialect = {
  kind: 'postgres',
  async create(dataDir) {
    const serverUrl = inject('postgresUrl');
    if (!serverUrl)
      throw new Error(inject('postgresUnavailable') || 'No PostgreSQL server for this test run.');
    const schema = await createTestSchema(serverUrl);
    return {
      config: { dataDir, databaseUrl: schema.url },
      env: { PARLEY_DATA_DIR: dataDir, PARLEY_DATABASE_URL: schema.url },
      drop: schema.drop,
    };
  },
};

/** Every supported dialect, for `describe.each(DIALECTS)('… ($kind)', (dialect) => …)`. */
export const DIALECTS: readonly TestDialect[] = [sqlite, postgres];
