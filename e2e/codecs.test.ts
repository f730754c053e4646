import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId } from './support/person.js';
import { enter, hearsOthers, roomSuite, videoKeepsPlaying } from './support/room-suite.js';
import { videoCodecs } from './support/rtc-stats.js';

// Video codecs per publisher (issue 18.4): the operator asks for H.264 (PARLEY_VIDEO_CODEC). Chromium
// here encodes and decodes it; Debian's Firefox ESR has no H.264 at all (no OpenH264 without network).
// Runs in the `e2e-firefox` project only (vitest.config.ts), as it needs both browsers.
const suite = roomSuite({ username: 'codec-host', password: 'codec meeting 123' }, 'firefox', {}, () => ({
  PARLEY_VIDEO_CODEC: 'h264',
}));

describe('video codecs chosen by the operator', () => {
  it('H.264 reaches the browsers that decode it, the one that cannot says so, and E2EE switches to VP8', async () => {
    const room = `codecs-${Date.now().toString(36)}`;
    const host = await suite.open('chromium');
    await suite.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    const chris = await suite.open('chromium');
    await enter(chris, room, 'Chris Chromium');
    const fiona = await suite.open('firefox');
    await enter(fiona, room, 'Fiona Firefox');

    // Chromium publishes in H.264 and another Chromium plays it.
    await waitFor(
      () => videoCodecs(host, 'outbound-rtp'),
      (codecs) => codecs.length > 0 && codecs.every((codec) => codec === 'video/h264'),
      'the Chromium host sending H.264',
      30_000,
    );
    await videoKeepsPlaying(chris, tile('Host Hana'));
    expect(await videoCodecs(chris, 'inbound-rtp')).toContain('video/h264');

    // Firefox cannot decode it: the tile says so (instead of a black picture), and sound still comes.
    const unplayable = `${tile('Host Hana')} [data-testid="tile-unplayable"]`;
    await fiona.waitFor(unplayable, { timeout: 30_000 });
    expect(await fiona.text(unplayable)).toContain('H.264');
    expect(await fiona.attribute(tile('Host Hana'), 'data-unplayable')).toBe('h264');
    await hearsOthers(fiona, 2);
    // Firefox publishes what it has (VP8), and both Chromiums play it.
    await videoKeepsPlaying(host, tile('Fiona Firefox'));
    await videoKeepsPlaying(chris, tile('Fiona Firefox'));

    // End-to-end encryption needs VP8 (its frame transform keeps VP8's header readable): switched on,
    // the Chromiums publish VP8 again and Firefox plays them, decrypted.
    await host.click(byTestId('e2ee-toggle'));
    for (const person of [host, chris, fiona])
      await waitFor(
        () => person.attribute(byTestId('e2ee-state'), 'data-state'),
        (state) => state === 'on',
        `encrypting at ${person.browser}`,
        30_000,
      );
    await waitFor(
      () => videoCodecs(host, 'outbound-rtp'),
      (codecs) => codecs.length > 0 && codecs.every((codec) => codec === 'video/vp8'),
      'the Chromium host sending VP8 under E2EE',
      30_000,
    );
    await fiona.waitFor(unplayable, { state: 'detached', timeout: 30_000 });
    await videoKeepsPlaying(fiona, tile('Host Hana'), 30_000);
    await videoKeepsPlaying(fiona, tile('Chris Chromium'), 30_000);
    await videoKeepsPlaying(chris, tile('Host Hana'));
  }, 240_000);
});
