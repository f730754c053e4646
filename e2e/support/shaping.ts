import { waitFor } from './browser.js';
import { type InPage, inPage } from './rtc-stats.js';

/**
 * The ICE ufrags of a page's publish and subscribe connections (window.__pcs), once both have one:
 * how ShapingUdpRelay tells that browser's packets apart to cap or lift its downlink.
 */
export function connectionUfrags(page: InPage, who: string): Promise<string[]> {
  return waitFor(
    () =>
      inPage(page).evaluate(() =>
        (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
          // Firefox throws on a closed connection's description (the app's throwaway feature checks).
          .filter((pc) => pc.signalingState !== 'closed')
          .map((pc) => /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? '')
          .filter((ufrag) => ufrag !== ''),
      ),
    (found) => found.length >= 2,
    `${who}’s two connections`,
  );
}
