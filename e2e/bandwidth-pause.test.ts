import { ShapingUdpRelay } from '@parley/media-bot';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, waitFor } from './support/browser.js';
import { explainFailures } from './support/diagnostics.js';
import { enter, People, tile } from './support/meeting.js';
import { type RunningServer, startServer } from './support/server.js';

const HOST = { username: 'bandwidth-pause-host', password: 'correct horse battery' };
/** The viewer's downlink: its audio, hardly, and no video layer at all. */
const CAP_BITS_PER_SECOND = 60_000;

/** The ICE ufrags of the page's connections (window.__pcs): how the relay knows its packets. */
function iceUfrags(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
      .map((pc) => /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? '')
      .filter((ufrag) => ufrag !== ''),
  );
}

describe('a viewer whose downlink cannot carry any video (issue 18)', () => {
  let relay: ShapingUdpRelay;
  let server: RunningServer;
  let browser: Browser;
  let people: People;

  beforeAll(async () => {
    // Every browser reaches the SFU through the relay; only the slow viewer's packets are shaped.
    relay = await ShapingUdpRelay.open('127.0.0.3');
    server = await startServer({
      PARLEY_PUBLIC_IP: '127.0.0.3',
      PARLEY_RTC_PORT: String(relay.port),
      PARLEY_MEDIA_WORKERS: '0',
    });
    await server.addUser(HOST.username, HOST.password, true);
    browser = await launchBrowser();
    people = new People(browser, server);
  });
  explainFailures(
    () => people?.pages ?? [],
    () => server,
  );
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    relay?.close();
  });

  it('tells the slow viewer on the tile that the video is paused for its connection, and nobody else, until it resumes', async () => {
    const room = `pause-${Date.now().toString(36)}`;
    const host = await people.open();
    await people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    const fast = await people.open();
    await enter(fast, room, 'Fast Finn', { camera: false });
    const slow = await people.open();
    await enter(slow, room, 'Slow Sam', { camera: false });
    const hostTile = tile('Host Hana');
    for (const viewer of [fast, slow]) await viewer.locator(hostTile).waitFor();
    const ufrags = await waitFor(
      () => iceUfrags(slow),
      (found) => found.length >= 2,
      'the slow viewer’s two connections',
    );
    relay.cap(ufrags, CAP_BITS_PER_SECOND);

    const paused = slow.locator(`${hostTile}[data-paused-bandwidth="true"]`);
    await paused.waitFor({ timeout: 45_000 });
    const notice = paused.getByTestId('tile-paused-bandwidth');
    expect(await notice.getAttribute('role')).toBe('status');
    expect(await notice.textContent()).toBe('Video paused — your connection is too slow for it');
    // The name stays on the tile; the others are told nothing.
    expect(await paused.locator('.tile__name').textContent()).toBe('Host Hana');
    expect(await fast.locator(`${hostTile}[data-paused-bandwidth]`).count()).toBe(0);
    const pausedAt = Date.now();
    // The link is fine again: the SFU's probe finds room, the video comes back and the notice goes.
    relay.uncap(ufrags);
    await slow
      .locator(`${hostTile}[data-camera="on"]:not([data-paused-bandwidth])`)
      .waitFor({ timeout: 45_000 });
    expect(await slow.getByTestId('tile-paused-bandwidth').count()).toBe(0);
    console.info(
      `slow viewer (${CAP_BITS_PER_SECOND / 1000} kbit/s): paused, relay dropped ${relay.droppedBytes} bytes; resumed ${Date.now() - pausedAt} ms after the cap was lifted`,
    );
  });
});
