import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { type OutboundVideo, tileVideoStats, videoStats } from './support/rtc-stats.js';
import { meetingSuite } from './support/suite.js';

const HOST = { username: 'layers-host', password: 'correct horse battery' };

/** Whether each of the page's camera encodings is on (`sender.getParameters()`), lowest first. */
function cameraEncodings(page: Page): Promise<boolean[]> {
  return page.evaluate(() => {
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      for (const transceiver of pc.getTransceivers()) {
        const track = transceiver.sender.track;
        if (track?.kind !== 'video' || track.label.toLowerCase().includes('screen')) continue;
        return transceiver.sender.getParameters().encodings.map((encoding) => encoding.active !== false);
      }
    }
    return [];
  });
}

/** The host's outbound camera streams (one per layer) by SSRC. */
async function outbound(page: Page): Promise<Map<number, OutboundVideo>> {
  const { outbound } = await videoStats(page);
  return new Map(outbound.map((stream) => [stream.ssrc, stream]));
}

describe('simulcast layers nobody takes are paused at the publisher (PARLEY_PAUSE_UNUSED_LAYERS, on by default)', () => {
  // Chromium sends three layers only at its own frame rate from a 720p capture.
  const suite = meetingSuite(HOST, {}, {});

  it('the host stops encoding the middle layer while the one guest shows it large, and sends it again for a smaller tile', async () => {
    const room = `layers-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    const guest = await suite.people.open();
    await guest.setViewportSize({ width: 1600, height: 1000 });
    await enter(guest, room, 'Guest Gina', { camera: false });
    const hostTile = tile('Host Hana');
    await guest.locator(hostTile).waitFor();
    const started = Date.now();

    // The SFU asks for the lowest (the fallback) and the top layer only; the page applies it.
    await waitFor(
      () => cameraEncodings(host),
      (active) => active.join() === 'true,false,true',
      'the middle encoding switched off',
      20_000,
    );
    const pausedAfter = Date.now() - started;
    // getStats agrees: one outbound stream inactive, and its bytes stop growing while the others grow.
    const before = await waitFor(
      () => outbound(host),
      (streams) => [...streams.values()].filter((stream) => stream.active === false).length === 1,
      'one outbound camera stream inactive',
    );
    const paused = [...before.values()].find((stream) => stream.active === false)!;
    const since = Date.now();
    const after = await waitFor(
      () => outbound(host),
      () => Date.now() - since >= 1500,
      'a second and a half of the host’s layers',
    );
    expect(after.get(paused.ssrc)!.bytesSent - paused.bytesSent).toBeLessThan(2000);
    const sending = [...after.values()].filter((stream) => stream.ssrc !== paused.ssrc);
    expect(sending).toHaveLength(2);
    for (const stream of sending)
      expect(stream.bytesSent).toBeGreaterThan(before.get(stream.ssrc)!.bytesSent);
    // The guest still plays the host's video, on the top layer.
    const large = await waitFor(
      () => tileVideoStats(guest, hostTile),
      (stats) => stats?.frameHeight === 720,
      '720p at the guest',
      20_000,
    );
    await waitFor(
      () => tileVideoStats(guest, hostTile),
      (stats) => (stats?.framesDecoded ?? 0) >= large!.framesDecoded + 20,
      'frames decoded while the middle layer is paused',
    );

    // A tile the middle layer fits: it comes back at once, and the guest decodes it.
    await guest.setViewportSize({ width: 800, height: 560 });
    const shrunk = Date.now();
    await waitFor(
      () => cameraEncodings(host),
      (active) => active[1] === true,
      'the middle encoding on again',
      10_000,
    );
    const resumedAfter = Date.now() - shrunk;
    const middle = await waitFor(
      () => tileVideoStats(guest, hostTile),
      (stats) => stats?.frameHeight === 360,
      '360p at the guest',
      20_000,
    );
    await waitFor(
      () => tileVideoStats(guest, hostTile),
      (stats) => (stats?.framesDecoded ?? 0) >= middle!.framesDecoded + 20,
      'frames of the middle layer decoded',
    );
    console.info(
      `middle layer paused ${pausedAfter} ms after the guest's tile showed, on again ${resumedAfter} ms after the tile shrank`,
    );
  });
});
