import type { Page } from 'playwright-core';
import { waitFor } from './browser.js';

/**
 * The ICE ufrags of a page's publish and subscribe connections (window.__pcs), once both have one:
 * how ShapingUdpRelay tells that browser's packets apart to cap or lift its downlink.
 */
export function connectionUfrags(page: Page, who: string): Promise<string[]> {
  return waitFor(
    () =>
      page.evaluate(() =>
        (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
          .map((pc) => /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? '')
          .filter((ufrag) => ufrag !== ''),
      ),
    (found) => found.length >= 2,
    `${who}’s two connections`,
  );
}
