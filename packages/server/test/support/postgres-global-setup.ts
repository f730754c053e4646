// Vitest global setup (unit project): one PostgreSQL cluster for the whole run, stopped at the end.
// Test files reach it through `inject('postgresUrl')` (see test-databases.ts).
import type { TestProject } from 'vitest/node';
import { PostgresMissingError, startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's PostgreSQL database, or '' when it could not be started. */
    postgresUrl: string;
    /** Why there is no PostgreSQL server ('' when there is one). */
    postgresUnavailable: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  try {
    const server = await startPostgres();
    project.provide('postgresUrl', server.url);
    project.provide('postgresUnavailable', '');
    return () => server.stop();
  } catch (error) {
    // Without PostgreSQL only the PostgreSQL variants of the database tests fail, each with this
    // message; the rest of the run goes on.
    if (!(error instanceof PostgresMissingError)) throw error;
    project.provide('postgresUrl', '');
    project.provide('postgresUnavailable', error.message);
    return undefined;
  }
}
