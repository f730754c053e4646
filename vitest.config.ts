import { defineConfig } from 'vitest/config';

// One runner for the whole repository. `unit` holds fast tests (unit and integration over real
// sockets and WebRTC bots); `e2e` drives Debian's Chromium against a built server.
// The room tests written against e2e/support/person.ts: they run in every browser of their project.
const E2E_ROOM_TESTS = [
  'e2e/meeting.test.ts',
  'e2e/meeting-life.test.ts',
  'e2e/moderation.test.ts',
  'e2e/chat.test.ts',
  'e2e/e2ee.test.ts',
  'e2e/reconnect.test.ts',
  'e2e/noise-suppression-toggle.test.ts',
  'e2e/low-data.test.ts',
];
// Tests that need both browsers at once; they run in the Firefox project only.
const E2E_BOTH_BROWSERS_ONLY = [
  'e2e/mixed-meeting.test.ts',
  'e2e/firefox-screen-share.test.ts',
  'e2e/firefox-routable.test.ts',
  'e2e/codecs.test.ts',
  'e2e/pause-unused-layers-firefox.test.ts',
  'e2e/firefox-bandwidth.test.ts',
];

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
          exclude: [...E2E_BOTH_BROWSERS_ONLY],
          environment: 'node',
          env: { PARLEY_E2E_BROWSERS: 'chromium' },
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
      {
        // The room tests again, in Debian's Firefox ESR (e2e/support/person.ts), plus the mixed
        // Chromium + Firefox meeting. scripts/test.mjs runs this project beside `e2e`.
        extends: true,
        test: {
          name: 'e2e-firefox',
          include: [...E2E_ROOM_TESTS, ...E2E_BOTH_BROWSERS_ONLY],
          environment: 'node',
          env: { PARLEY_E2E_BROWSERS: 'firefox' },
          testTimeout: 120_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
