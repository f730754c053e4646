import { defineConfig } from 'vitest/config';

// One runner for the whole repository. `unit` holds fast tests (unit and integration over real
// sockets and WebRTC bots); `e2e` drives Debian's Chromium against a built server.
export default defineConfig({
  resolve: { conditions: ['parley-source'] },
  ssr: { resolve: { conditions: ['parley-source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          environment: 'node',
          // One throwaway PostgreSQL server for the database tests (they also run on SQLite).
          globalSetup: ['packages/server/test/support/postgres-global-setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
