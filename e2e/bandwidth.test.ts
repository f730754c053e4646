import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { audioPackets, tileVideoStats, videoStats } from './support/rtc-stats.js';
import { shapedMeeting } from './support/shaped-meeting.js';
import { connectionUfrags } from './support/shaping.js';

const HOST = { username: 'bandwidth-host', password: 'correct horse battery' };
/** The narrow viewer's downlink: enough for the smallest layer and the audio, not for more. */
const CAP_BITS_PER_SECOND = 300_000;

describe('simulcast and a viewer whose downlink is capped at 300 kbit/s', () => {
  // Every browser reaches the SFU through the relay; only the narrow viewer's packets are shaped.
  const meeting = shapedMeeting('127.0.0.3', HOST);

  it('gives the capped viewer the smallest layer, playing on, while the other viewer keeps 720p (issue 18)', async () => {
    const room = `narrow-${Date.now().toString(36)}`;
    const host = await meeting.people.open();
    await meeting.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    const wide = await meeting.people.open();
    await enter(wide, room, 'Wide Will', { camera: false });
    const narrow = await meeting.people.open();
    await enter(narrow, room, 'Narrow Nora', { camera: false });
    const hostTile = tile('Host Hana');
    for (const viewer of [wide, narrow]) {
      await viewer.setViewportSize({ width: 1600, height: 1000 });
      await viewer.locator(hostTile).waitFor();
    }
    const ufrags = await connectionUfrags(narrow, 'the narrow viewer');
    meeting.relay.cap(ufrags, CAP_BITS_PER_SECOND);

    await waitFor(
      () => tileVideoStats(wide, hostTile),
      (stats) => stats?.frameHeight === 720,
      '720p for the wide viewer',
      30_000,
    );
    const settled = await waitFor(
      () => tileVideoStats(narrow, hostTile),
      (stats) => stats?.frameHeight === 180,
      '180p for the narrow viewer',
      30_000,
    );
    // Then it stays low and keeps playing, for ten seconds, while the wide viewer's layer is sampled
    // beside it (a momentary look at the end caught a one-layer dip of its probing as often as not).
    // The wide viewer can only get 720p while the host sends it: on a loaded machine the host's own
    // estimate sometimes drops its top layer for seconds (a stall reads as a queue), so its samples
    // count only once the host's 720p layer has been encoded for the last two seconds (time for the
    // SFU to see it again and switch at a key frame), and the window lasts until there are enough.
    const topSsrc = await waitFor(
      () => videoStats(host),
      (stats) => stats.outbound.some((stream) => stream.frameHeight === 720 && stream.framesEncoded > 0),
      "the host's 720p layer",
      30_000,
    ).then((stats) => stats.outbound.find((stream) => stream.frameHeight === 720)!.ssrc);
    const hostTop = async () => {
      const stats = await videoStats(host);
      const top = stats.outbound.find((stream) => stream.ssrc === topSsrc);
      return {
        frames: top?.framesEncoded ?? 0,
        limitation: top?.qualityLimitationReason ?? '',
        estimate: Math.max(0, ...stats.availableOutgoingBitrate),
      };
    };
    const heights = new Set<number>();
    const wideHeights: number[] = [];
    const hostLimits: string[] = [];
    const hostEstimates: number[] = [];
    let hostWithout720 = 0;
    let sampling = true;
    const wideSampler = (async () => {
      let before = (await hostTop()).frames;
      let sendingSince = Date.now();
      while (sampling) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const height = (await tileVideoStats(wide, hostTile))?.frameHeight ?? 0;
        const top = await hostTop();
        hostEstimates.push(top.estimate);
        if (top.frames - before < 2) {
          sendingSince = Number.POSITIVE_INFINITY;
          hostLimits.push(top.limitation);
          hostWithout720++;
        } else if (sendingSince === Number.POSITIVE_INFINITY) sendingSince = Date.now();
        else if (Date.now() - sendingSince >= 2000) wideHeights.push(height);
        before = top.frames;
      }
    })();
    const audioBefore = await audioPackets(narrow);
    const startedAt = Date.now();
    const end = await waitFor(
      () => tileVideoStats(narrow, hostTile),
      (stats) => {
        heights.add(stats?.frameHeight ?? 0);
        return Date.now() - startedAt >= 10_000 && wideHeights.length >= 20;
      },
      'ten seconds at the narrow viewer, twenty samples of the wide one while the host sends 720p',
      40_000,
    );
    const audioAfter = await audioPackets(narrow);
    const audioReceived = audioAfter.received - audioBefore.received;
    const audioLost = audioAfter.lost - audioBefore.lost;
    const seconds = (Date.now() - startedAt) / 1000;
    const fps = (end!.framesDecoded - settled!.framesDecoded) / seconds;
    const freezes = end!.freezeCount - settled!.freezeCount;
    sampling = false;
    await wideSampler;
    const wideAt720 = wideHeights.filter((height) => height === 720).length / wideHeights.length;
    console.info(
      `narrow viewer (${CAP_BITS_PER_SECOND / 1000} kbit/s): heights ${[...heights].join('/')}, ${fps.toFixed(1)} frames/s, ${freezes} freezes, ${end!.packetsLost} packets lost of ${end!.packetsReceived}; relay dropped ${meeting.relay.droppedBytes} bytes; audio ${audioReceived} packets received, ${audioLost} lost; wide viewer at 720p in ${Math.round(wideAt720 * 100)} % of ${wideHeights.length} samples (${[...new Set(wideHeights)].join('/')}; ${hostWithout720} while the host sent no 720p: ${[...new Set(hostLimits)].join('/') || '-'}; its estimate ${Math.round(Math.min(...hostEstimates) / 1000)}–${Math.round(Math.max(...hostEstimates) / 1000)} kbit/s) in ${seconds.toFixed(1)} s`,
    );
    // It never goes back to the size of the tile; a layer up only once a probe shows the path carries
    // it (probes under the cap fail, and wait longer after each).
    expect(heights.has(720)).toBe(false);
    expect(heights.has(180)).toBe(true);
    expect(fps).toBeGreaterThan(10);
    expect(freezes).toBeLessThanOrEqual(Math.floor(seconds / 10));
    // Audio first: both microphones (about 50 packets a second each) go on, next to no loss.
    expect(audioReceived).toBeGreaterThan(40 * seconds);
    expect(audioLost / (audioReceived + audioLost)).toBeLessThan(0.05);
    // The wide viewer keeps 720p: most of the time, with at most a passing dip.
    expect(wideAt720).toBeGreaterThanOrEqual(0.75);
  });
});
