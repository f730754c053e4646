import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { enter, roomSuite, videoKeepsPlaying } from './support/room-suite.js';
import { videoCodecs, videoStats } from './support/rtc-stats.js';

// VP9 and AV1 chosen by the operator (issue 18.4; H.264 and a browser without it: codecs.test.ts).
describe.each(['vp9', 'av1'] as const)('a meeting in %s', (codec) => {
  const suite = roomSuite(
    { username: `${codec}-host`, password: `${codec} meeting 123` },
    'chromium',
    {},
    () => ({
      PARLEY_VIDEO_CODEC: codec,
    }),
  );

  it(`publishes the camera in ${codec} and the others play it`, async () => {
    const room = `${codec}-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    const guest = await suite.open();
    await enter(guest, room, 'Guest Gina');

    await waitFor(
      () => videoCodecs(host, 'outbound-rtp'),
      (codecs) => codecs.length > 0 && codecs.every((name) => name === `video/${codec}`),
      `the host sending ${codec}`,
      30_000,
    );
    await videoKeepsPlaying(guest, tile('Host Hana'));
    await videoKeepsPlaying(host, tile('Guest Gina'));
    expect(await videoCodecs(guest, 'inbound-rtp')).toContain(`video/${codec}`);
    // One full-size stream (Chromium sends only the ¼-size first layer of VP9 or AV1 "simulcast").
    const { outbound } = await videoStats(host);
    expect(outbound.filter((stream) => stream.framesEncoded > 0)).toHaveLength(1);
    await waitFor(
      async () => (await videoStats(guest)).inbound.map((s) => s.frameHeight),
      (heights) => heights.some((height) => height >= 360),
      `the guest playing the host's ${codec} video at 360p or more`,
      30_000,
    );
  }, 120_000);
});
