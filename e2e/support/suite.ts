import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { LIGHT_CAPTURE_FPS, launchBrowser } from './browser.js';
import { explainFailures } from './diagnostics.js';
import { People } from './meeting.js';
import { type RunningServer, type StartOptions, startServer } from './server.js';

export interface MeetingSuite {
  server: RunningServer;
  browser: Browser;
  people: People;
  host: { username: string; password: string };
}

/**
 * The usual set-up of a browser test file: a built Parley server with one administrator, Debian's
 * Chromium, and a report of every open page when a test fails. The returned object is filled in
 * before the first test runs. `captureFps`: the fake camera's rate (light by default; a test that
 * measures frame rates or layers asks for Chromium's own with `undefined`).
 */
export function meetingSuite(
  host: { username: string; password: string },
  options: StartOptions = {},
  camera: { captureFps?: number } = { captureFps: LIGHT_CAPTURE_FPS },
  /** The server's environment beyond the defaults (e.g. a PARLEY_ setting switched off). */
  env: Record<string, string> = {},
): MeetingSuite {
  const suite = { host } as MeetingSuite;
  beforeAll(async () => {
    suite.server = await startServer(env, options);
    await suite.server.addUser(host.username, host.password, true);
    suite.browser = await launchBrowser(camera);
    suite.people = new People(suite.browser, suite.server);
  });
  // Each test's people leave when it ends, so their browsers do not load the machine during the next
  // test. Registered before the failure report: after-hooks run in reverse order, so the report
  // still sees the pages.
  afterEach(async () => {
    const pages = suite.people?.pages.splice(0) ?? [];
    for (const page of pages)
      await page
        .context()
        .close()
        .catch(() => {});
  });
  explainFailures(
    () => suite.people?.pages ?? [],
    () => suite.server,
  );
  afterAll(async () => {
    for (const page of suite.people?.pages ?? [])
      await page
        .context()
        .close()
        .catch(() => {});
    await suite.browser?.close();
    await suite.server?.stop();
  });
  return suite;
}
