import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, FIREFOX_MEDIA, type Person } from './support/person.js';
import { enter, roomSuite, videoKeepsPlaying } from './support/room-suite.js';

// Layers nobody takes (PARLEY_PAUSE_UNUSED_LAYERS, on by default) with a Firefox publisher, whose
// camera goes out as RID simulcast (three `sendEncodings`): the same `simulcast-layers` turns its
// encodings off and on. Runs in the `e2e-firefox` project only (vitest.config.ts): it needs both
// browsers. e2e/pause-unused-layers.test.ts is the Chromium publisher's case.
const suite = roomSuite({ username: 'layers-ff-host', password: 'layers firefox 123' }, 'firefox');

/** Whether each of the page's camera encodings is on (`sender.getParameters()`), lowest first. */
function cameraEncodings(person: Person): Promise<boolean[]> {
  return person.evaluate(() => {
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      for (const transceiver of pc.getTransceivers()) {
        const track = transceiver.sender.track;
        if (track?.kind !== 'video') continue;
        return transceiver.sender.getParameters().encodings.map((encoding) => encoding.active !== false);
      }
    }
    return [];
  });
}

describe('simulcast layers nobody takes, with a Firefox publisher', () => {
  it.skipIf(!FIREFOX_MEDIA)(
    'switches off the encodings nobody takes, all of them with nobody watching, and plays on for a new viewer',
    async () => {
      const room = `layers-ff-${Date.now().toString(36)}`;
      const host = await suite.open('firefox');
      await suite.signIn(host, suite.host.username, suite.host.password);
      await enter(host, room, 'Host Firefox');
      const encodings = await waitFor(
        () => cameraEncodings(host),
        (active) => active.length > 0,
        'the camera sender',
      );
      // One encoding (Firefox without RID layers): nothing to switch, nothing must break.
      const layered = encodings.length === 3;
      const guest = await suite.open('chromium');
      await guest.setViewport(1600, 1000);
      await enter(guest, room, 'Guest Chromia', { camera: false });
      const hostTile = tile('Host Firefox');
      await guest.waitFor(hostTile, { timeout: 30_000 });
      if (layered)
        await waitFor(
          () => cameraEncodings(host),
          (active) => active[0] === true && active.filter(Boolean).length === 2,
          'one encoding off at the Firefox publisher',
          20_000,
        );
      await videoKeepsPlaying(guest, hostTile);
      // The only viewer leaves: every encoding off; a new one comes: the video plays for it.
      await guest.click(byTestId('leave'));
      if (layered)
        await waitFor(
          () => cameraEncodings(host),
          (active) => active.every((on) => !on),
          'every encoding off with nobody watching',
          20_000,
        );
      const next = await suite.open('chromium');
      await enter(next, room, 'Next Chromia', { camera: false });
      await next.waitFor(hostTile, { timeout: 30_000 });
      await videoKeepsPlaying(next, hostTile);
      const after = await cameraEncodings(host);
      console.info(`Firefox camera encodings: ${encodings.length}; with the new viewer: ${after.join(',')}`);
      if (layered) expect(after[0]).toBe(true);
    },
  );
});
