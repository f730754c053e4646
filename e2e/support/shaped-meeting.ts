import { ShapingUdpRelay } from '@parley/media-bot';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.js';
import { explainFailures } from './diagnostics.js';
import { People } from './meeting.js';
import { type RunningServer, startServer } from './server.js';

/** What a suite of shaped-downlink tests works with, set up before its tests. */
export interface ShapedMeeting {
  relay: ShapingUdpRelay;
  server: RunningServer;
  people: People;
}

/**
 * For the enclosing describe: a server whose every browser reaches the SFU through a ShapingUdpRelay
 * on `address` (which the server announces), so that a test can cap one page's downlink
 * (connectionUfrags in shaping.ts), a host account, and Chromium. Torn down after the suite.
 */
export function shapedMeeting(address: string, host: { username: string; password: string }): ShapedMeeting {
  const meeting = {} as ShapedMeeting;
  let browser: Browser | undefined;
  beforeAll(async () => {
    meeting.relay = await ShapingUdpRelay.open(address);
    meeting.server = await startServer({
      PARLEY_PUBLIC_IP: address,
      PARLEY_RTC_PORT: String(meeting.relay.port),
      // One media worker thread, as in production (the relay forwards its one port).
      PARLEY_MEDIA_WORKERS: '1',
    });
    await meeting.server.addUser(host.username, host.password, true);
    browser = await launchBrowser();
    meeting.people = new People(browser, meeting.server);
  });
  explainFailures(
    () => meeting.people?.pages ?? [],
    () => meeting.server,
  );
  afterAll(async () => {
    await browser?.close();
    await meeting.server?.stop();
    meeting.relay?.close();
  });
  return meeting;
}
