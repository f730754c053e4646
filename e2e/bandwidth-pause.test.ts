import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { audioPackets, tileVideoStats } from './support/rtc-stats.js';
import { shapedMeeting } from './support/shaped-meeting.js';
import { connectionUfrags } from './support/shaping.js';

const HOST = { username: 'bandwidth-pause-host', password: 'correct horse battery' };
/** The viewer's downlink: its audio, hardly, and no video layer at all. */
const CAP_BITS_PER_SECOND = 60_000;

describe('a viewer whose downlink cannot carry any video (issue 18)', () => {
  // Every browser reaches the SFU through the relay; only the slow viewer's packets are shaped.
  const meeting = shapedMeeting('127.0.0.3', HOST);

  it('tells the slow viewer on the tile that the video is paused for its connection, and nobody else, until it resumes', async () => {
    const room = `pause-${Date.now().toString(36)}`;
    const host = await meeting.people.open();
    await meeting.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    const fast = await meeting.people.open();
    await enter(fast, room, 'Fast Finn', { camera: false });
    const slow = await meeting.people.open();
    await enter(slow, room, 'Slow Sam', { camera: false });
    const hostTile = tile('Host Hana');
    for (const viewer of [fast, slow]) await viewer.locator(hostTile).waitFor();
    const ufrags = await connectionUfrags(slow, 'the slow viewer');
    meeting.relay.cap(ufrags, CAP_BITS_PER_SECOND);

    const paused = slow.locator(`${hostTile}[data-paused-bandwidth="true"]`);
    await paused.waitFor({ timeout: 45_000 });
    const notice = paused.getByTestId('tile-paused-bandwidth');
    expect(await notice.getAttribute('role')).toBe('status');
    expect(await notice.textContent()).toBe('Video paused — your connection is too slow for it');
    // The name stays on the tile; the others are told nothing.
    expect(await paused.locator('.tile__name').textContent()).toBe('Host Hana');
    expect(await fast.locator(`${hostTile}[data-paused-bandwidth]`).count()).toBe(0);
    // Audio first: the host's microphone goes on reaching the slow viewer while its video is held back.
    const audioBefore = await audioPackets(slow);
    const since = Date.now();
    const audioAfter = await waitFor(
      () => audioPackets(slow),
      () => Date.now() - since >= 3000,
      'three seconds of paused video',
    );
    expect(audioAfter.received - audioBefore.received).toBeGreaterThan(100);
    expect(await paused.count()).toBe(1);
    const pausedAt = Date.now();
    // The link is fine again: the SFU's probe finds room, the video comes back and the notice goes.
    meeting.relay.uncap(ufrags);
    await slow
      .locator(`${hostTile}[data-camera="on"]:not([data-paused-bandwidth])`)
      .waitFor({ timeout: 45_000 });
    expect(await slow.getByTestId('tile-paused-bandwidth').count()).toBe(0);
    // And it plays: frames decoded again (the probe rode on its RTX stream while it was paused).
    const resumed = await waitFor(
      () => tileVideoStats(slow, hostTile),
      (stats) => stats !== null,
      'the host’s video at the slow viewer again',
    );
    await waitFor(
      () => tileVideoStats(slow, hostTile),
      (stats) => (stats?.framesDecoded ?? 0) >= (resumed?.framesDecoded ?? 0) + 20,
      'twenty frames decoded after the resume',
      15_000,
    );
    console.info(
      `slow viewer (${CAP_BITS_PER_SECOND / 1000} kbit/s): paused, relay dropped ${meeting.relay.droppedBytes} bytes; resumed ${Date.now() - pausedAt} ms after the cap was lifted`,
    );
  });
});
