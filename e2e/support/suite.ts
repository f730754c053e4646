import type { Browser, Page } from 'playwright-core';
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
  peopleLeaveAfterTests(suite);
  return suite;
}

/**
 * The hooks every browser suite ends with: each test's people leave when it ends, so their browsers
 * do not load the machine during the next test (registered before the failure report: after-hooks
 * run in reverse order, so the report still sees the pages); at the end the browser and the server
 * stop. `beforeLeaving` runs first after each test, `afterStopping` last of all.
 */
export function peopleLeaveAfterTests(
  suite: Partial<Pick<MeetingSuite, 'server' | 'browser' | 'people'>>,
  {
    beforeLeaving,
    afterStopping,
  }: { beforeLeaving?: () => Promise<void>; afterStopping?: () => Promise<void> } = {},
): void {
  const leave = async (pages: Page[]) => {
    for (const page of pages)
      await page
        .context()
        .close()
        .catch(() => {});
  };
  afterEach(async () => {
    await beforeLeaving?.();
    await leave(suite.people?.pages.splice(0) ?? []);
  });
  explainFailures(
    () => suite.people?.pages ?? [],
    () => suite.server,
  );
  afterAll(async () => {
    await leave(suite.people?.pages ?? []);
    await suite.browser?.close();
    await suite.server?.stop();
    await afterStopping?.();
  });
}
