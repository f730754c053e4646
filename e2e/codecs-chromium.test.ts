import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, type Person } from './support/person.js';
import { enter, hearsOthers, roomSuite, videoKeepsPlaying } from './support/room-suite.js';
import { mediaCodecs, videoCodecs, videoStats } from './support/rtc-stats.js';

/** The scalability mode of the page's outbound video (VP9 SVC), from getStats. */
function scalabilityMode(person: Person): Promise<string | null> {
  return person.evaluate(async () => {
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      let mode: string | null = null;
      // biome-ignore lint/suspicious/noExplicitAny: getStats reports are loosely typed dictionaries.
      stats.forEach((report: any) => {
        if (report.type === 'outbound-rtp' && report.kind === 'video' && report.scalabilityMode)
          mode = String(report.scalabilityMode);
      });
      if (mode !== null) return mode;
    }
    return null;
  });
}

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
    // One stream (Chromium sends only the ¼-size first layer of VP9 or AV1 "simulcast").
    const { outbound } = await videoStats(host);
    expect(outbound.filter((stream) => stream.framesEncoded > 0)).toHaveLength(1);
    if (codec === 'av1') {
      await waitFor(
        async () => (await videoStats(guest)).inbound.map((s) => s.frameHeight),
        (heights) => heights.some((height) => height >= 360),
        "the guest playing the host's AV1 video at 360p or more",
        30_000,
      );
      return;
    }
    // VP9 in K-SVC (L3T3_KEY): the host encodes 180p, 360p and 720p in one stream; the SFU leaves out,
    // for the guest, the layers above the one that covers the tile's height in device pixels.
    expect(await scalabilityMode(host)).toBe('L3T3_KEY');
    await waitFor(
      async () => (await videoStats(host)).outbound.map((s) => s.frameHeight),
      (heights) => heights.some((height) => height >= 720),
      'the host encoding its top spatial layer at 720p',
      30_000,
    );
    // A small window: its tile is covered by a lower spatial layer, and only that one is forwarded.
    await guest.setViewport(800, 450);
    const tileHeight = () =>
      guest.evaluate(
        (selector) =>
          (document.querySelector(selector)?.getBoundingClientRect().height ?? 0) * devicePixelRatio,
        tile('Host Hana'),
      );
    const small = await waitFor(tileHeight, (height) => height > 0 && height <= 360, 'a small tile', 10_000);
    const wanted = [180, 360].find((height) => height >= small) ?? 360;
    await waitFor(
      async () => (await videoStats(guest)).inbound.map((s) => s.frameHeight),
      (heights) => heights.includes(wanted),
      `the guest getting the ${wanted}p spatial layer of the host's 720p VP9 (tile ${small} px high)`,
      30_000,
    );
    await videoKeepsPlaying(guest, tile('Host Hana'));
    // A large window again: the SFU asks for a key picture and forwards every layer from it on.
    await guest.setViewport(1280, 720);
    await waitFor(tileHeight, (height) => height > 360, 'a large tile', 10_000);
    await waitFor(
      async () => (await videoStats(guest)).inbound.map((s) => s.frameHeight),
      (heights) => heights.includes(720),
      "the guest getting the host's 720p again",
      30_000,
    );
    await videoKeepsPlaying(guest, tile('Host Hana'));
  }, 120_000);
});

// Opus with RFC 2198 redundancy (issue 18.3): sent when the meeting is not encrypted, passed whole to a
// browser that takes it; plain Opus again under end-to-end encryption.
describe('redundant audio', () => {
  const suite = roomSuite({ username: 'red-host', password: 'red meeting 123' }, 'chromium');

  it('sends Opus RED unencrypted and plain Opus under E2EE, heard both ways', async () => {
    const room = `red-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    const guest = await suite.open();
    await enter(guest, room, 'Guest Gina');
    // libwebrtc sends the first codec of what was negotiated (getStats names Opus either way).
    const sendsFirst = (person: Person) =>
      person.evaluate(async () => {
        for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
          if (pc.connectionState === 'closed') continue;
          for (const sender of pc.getSenders())
            if (sender.track?.kind === 'audio')
              return sender.getParameters().codecs[0]?.mimeType.toLowerCase() ?? null;
        }
        return null;
      });
    const receives = (person: Person) =>
      person.evaluate(async () => {
        const codecs: string[] = [];
        for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs)
          for (const receiver of pc.getReceivers())
            if (receiver.track.kind === 'audio')
              codecs.push(...receiver.getParameters().codecs.map((codec) => codec.mimeType.toLowerCase()));
        return codecs;
      });
    for (const person of [host, guest])
      await waitFor(
        () => sendsFirst(person),
        (codec) => codec === 'audio/red',
        'sending Opus RED',
        30_000,
      );
    // The SFU offers RED to subscribers of a RED publisher and passes it whole to those that keep it.
    await waitFor(
      () => receives(guest),
      (codecs) => codecs.includes('audio/red'),
      'the guest taking RED',
      30_000,
    );
    await hearsOthers(guest, 1);
    await hearsOthers(host, 1);

    await host.click(byTestId('e2ee-toggle'));
    for (const person of [host, guest]) {
      await waitFor(
        () => person.attribute(byTestId('e2ee-state'), 'data-state'),
        (state) => state === 'on',
        'encrypting',
        30_000,
      );
      await waitFor(
        () => sendsFirst(person),
        (codec) => codec === 'audio/opus',
        'sending plain Opus',
        30_000,
      );
    }
    expect(await mediaCodecs(guest, 'inbound-rtp', 'audio')).toContain('audio/opus');
    await hearsOthers(guest, 1);
    await hearsOthers(host, 1);
  }, 120_000);
});
