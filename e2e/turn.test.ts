import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIGHT_CAPTURE_FPS, launchBrowser, videoKeepsPlaying, waitFor } from './support/browser.js';
import { type RunningCoturn, startCoturn } from './support/coturn.js';
import { explainFailures } from './support/diagnostics.js';
import { enter, People, tile } from './support/meeting.js';
import { type RunningServer, startServer } from './support/server.js';

const HOST = { username: 'relay-host', password: 'correct horse battery' };

let coturn: RunningCoturn;
let server: RunningServer;
let browser: Browser;
let people: People;

beforeAll(async () => {
  coturn = await startCoturn();
  server = await startServer({
    PARLEY_TURN_URLS: coturn.urls,
    PARLEY_TURN_SECRET: coturn.secret,
    PARLEY_ICE_RELAY_ONLY: '1',
  });
  await server.addUser(HOST.username, HOST.password, true);
  browser = await launchBrowser({ captureFps: LIGHT_CAPTURE_FPS });
  people = new People(browser, server);
});

explainFailures(
  () => people?.pages ?? [],
  () => server,
);

afterAll(async () => {
  for (const page of people?.pages ?? [])
    await page
      .context()
      .close()
      .catch(() => {});
  await browser?.close();
  await server?.stop();
  await coturn?.stop();
});

interface IceView {
  /** One entry per live peer connection: the candidate types of its selected pair, if any. */
  selected: { local: string; remote: string }[];
  /** Every kind of local candidate the page gathered. */
  localTypes: string[];
  configuredPolicies: string[];
}

/** What the page's peer connections (window.__pcs, see newPerson) report about ICE. */
async function iceView(page: Page): Promise<IceView> {
  return page.evaluate(async () => {
    const view = { selected: [], localTypes: [], configuredPolicies: [] } as IceView;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      view.configuredPolicies.push(pc.getConfiguration().iceTransportPolicy ?? 'unset');
      const stats = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      stats.forEach((report) => {
        byId.set(report.id, report);
        if (report.type === 'local-candidate') view.localTypes.push(report.candidateType);
      });
      stats.forEach((report) => {
        if (report.type !== 'transport' || !report.selectedCandidatePairId) return;
        const pair = byId.get(report.selectedCandidatePairId);
        const local = byId.get(String(pair?.localCandidateId));
        const remote = byId.get(String(pair?.remoteCandidateId));
        view.selected.push({ local: String(local?.candidateType), remote: String(remote?.candidateType) });
      });
    }
    return view;
  });
}

describe('media through a TURN relay', () => {
  it('carries video both ways through coturn when only relayed candidates are allowed', async () => {
    const room = `relay-${Date.now().toString(36)}`;
    const host = await people.open();
    await people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    await host.locator(tile('Host Hana')).waitFor();

    const guest = await people.open();
    await enter(guest, room, 'Guest Gina');
    await guest.locator(tile('Host Hana')).waitFor();
    await host.locator(tile('Guest Gina')).waitFor();

    await videoKeepsPlaying(host, tile('Guest Gina'));
    await videoKeepsPlaying(guest, tile('Host Hana'));

    for (const [who, page] of [
      ['host', host],
      ['guest', guest],
    ] as const) {
      // Both connections of a person (sending and receiving) chose a pair; wait until each did.
      const view = await waitFor(
        () => iceView(page),
        (v) => v.selected.length >= 2,
        `${who}'s selected candidate pairs`,
      );
      expect(view.configuredPolicies, who).toEqual(view.configuredPolicies.map(() => 'relay'));
      expect(
        view.selected.map((pair) => pair.local),
        who,
      ).toEqual(view.selected.map(() => 'relay'));
      expect(view.localTypes.length, who).toBeGreaterThan(0);
      expect(new Set(view.localTypes), who).toEqual(new Set(['relay']));
    }
    // Each person's two connections got their own allocation from coturn.
    expect(await coturn.relayedAllocations()).toBeGreaterThanOrEqual(4);
  });
});
