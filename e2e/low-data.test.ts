import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, mediaNote, mediaWorksIn, type Person, roomBrowsers } from './support/person.js';
import {
  attributeBecomes,
  enter,
  framesShown,
  hearsOthers,
  openPanel,
  roomSuite,
} from './support/room-suite.js';

// Issue 15, points 3 and 4: low-data mode and per-person volume, as a person uses them.

/** Bytes received so far on every inbound RTP stream of the page, by kind (window.__pcs). */
function bytesReceived(person: Person): Promise<{ video: number; audio: number }> {
  return person.evaluate(async () => {
    const total = { video: 0, audio: 0 };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      // biome-ignore lint/suspicious/noExplicitAny: getStats reports are loosely typed dictionaries.
      stats.forEach((report: any) => {
        if (report.type !== 'inbound-rtp') return;
        if (report.kind === 'video') total.video += report.bytesReceived ?? 0;
        if (report.kind === 'audio') total.audio += report.bytesReceived ?? 0;
      });
    }
    return total;
  });
}

/** Heights of the video frames the page receives, and of the layers it sends (simulcast). */
function videoHeights(person: Person): Promise<{ inbound: number[]; outbound: number[] }> {
  return person.evaluate(async () => {
    const heights = { inbound: [] as number[], outbound: [] as number[] };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      // biome-ignore lint/suspicious/noExplicitAny: getStats reports are loosely typed dictionaries.
      stats.forEach((report: any) => {
        if (report.kind !== 'video' || !report.frameHeight) return;
        if (report.type === 'inbound-rtp') heights.inbound.push(report.frameHeight);
        if (report.type === 'outbound-rtp') heights.outbound.push(report.frameHeight);
      });
    }
    return heights;
  });
}

/** Opens the data-saving menu (data saver, send video) unless it is open. */
async function openLowDataMenu(person: Person): Promise<void> {
  if ((await person.attribute(byTestId('low-data-toggle'), 'aria-expanded')) !== 'true')
    await person.click(byTestId('low-data-toggle'));
  await person.waitFor(byTestId('data-saver'));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no video bytes arrive for a whole second (what was in flight has landed). */
async function videoStops(person: Person): Promise<void> {
  let last = (await bytesReceived(person)).video;
  await waitFor(
    async () => {
      await pause(1000);
      const now = (await bytesReceived(person)).video;
      const still = now === last;
      last = now;
      return still;
    },
    (still) => still,
    'video bytes stop arriving',
    15_000,
  );
}

describe.each(roomBrowsers())('low-data mode in %s', (browser) => {
  const suite = roomSuite({ username: 'lowdata-host', password: 'lowdata password 123' }, browser);
  const HOST = suite.host;

  it.skipIf(!mediaWorksIn(browser))(
    `audio only: the server stops sending video (received bytes stay flat) while audio flows, and video comes back${mediaNote(browser)}`,
    async () => {
      const room = `audio-only-${Date.now().toString(36)}`;
      const host = await suite.open();
      await suite.signIn(host, HOST.username, HOST.password);
      await enter(host, room, 'Host Hana');
      const guest = await suite.open();
      await enter(guest, room, 'Gus', { camera: false });
      await guest.waitFor(`${tile('Host Hana')} video`);
      await waitFor(
        () => framesShown(guest, tile('Host Hana')),
        (frames) => frames > 10,
        'Gus sees Hana’s camera',
        20_000,
      );
      const flowing = await bytesReceived(guest);
      await pause(2000);
      const videoRate = ((await bytesReceived(guest)).video - flowing.video) / 2;
      expect(videoRate).toBeGreaterThan(5_000);

      // Audio only: shown on the button, in the header, and on Hana's tile (initials, no video).
      await guest.click(byTestId('receive-video'));
      await attributeBecomes(guest, byTestId('receive-video'), 'data-state', 'off');
      expect(await guest.attribute(byTestId('receive-video'), 'aria-pressed')).toBe('false');
      expect(await guest.text(byTestId('low-data-state'))).toContain('Audio only');
      await guest.waitFor(`${tile('Host Hana')} ${byTestId('tile-audio-only')}`);
      expect(await guest.count(`${tile('Host Hana')} video`)).toBe(0);
      expect(await guest.text(`${tile('Host Hana')} .avatar`)).toBe('HH');

      // Not hidden but not sent: over three seconds not one video byte arrives, audio keeps coming.
      await videoStops(guest);
      const paused = await bytesReceived(guest);
      await pause(3000);
      const after = await bytesReceived(guest);
      expect(after.video - paused.video).toBe(0);
      expect(after.audio - paused.audio).toBeGreaterThan(3_000);
      // Hana, who did not choose it, still sends her camera (her own view is unchanged).
      expect(await host.attribute(byTestId('toggle-camera'), 'data-state')).toBe('on');

      // Back to video: bytes grow again and frames are decoded and shown.
      await guest.click(byTestId('receive-video'));
      await attributeBecomes(guest, byTestId('receive-video'), 'data-state', 'on');
      expect(await guest.count(byTestId('low-data-state'))).toBe(0);
      await guest.waitFor(`${tile('Host Hana')} video`);
      await waitFor(
        () => bytesReceived(guest),
        (now) => now.video > after.video + 20_000,
        'video bytes arrive again',
        15_000,
      );
      await waitFor(
        () => framesShown(guest, tile('Host Hana')),
        (frames) => frames > 10,
        'Hana’s camera shown again',
        20_000,
      );
      console.info(
        `[low-data ${browser}] video received: ${Math.round(videoRate / 1000)} kB/s before, ` +
          `${after.video - paused.video} B in 3 s of audio only (audio ${Math.round((after.audio - paused.audio) / 3000)} kB/s)`,
      );
      // Remembered on this device.
      expect(await guest.evaluate(() => localStorage.getItem('parley.lowData'))).toContain(
        '"receiveVideo":true',
      );
    },
  );

  it.skipIf(!mediaWorksIn(browser))(
    `data saver and send no video: clearly shown, switchable at any time, remembered on the device${mediaNote(browser)}`,
    async () => {
      const room = `saver-${Date.now().toString(36)}`;
      const host = await suite.open();
      await suite.signIn(host, HOST.username, HOST.password);
      await enter(host, room, 'Host Hana');
      const guest = await suite.open();
      await enter(guest, room, 'Gus');
      await host.waitFor(`${tile('Gus')} video`);

      // Gus keeps his camera off to save data: the camera goes off for everyone, and it says why.
      await openLowDataMenu(guest);
      await guest.click(byTestId('send-video'));
      await attributeBecomes(guest, byTestId('send-video'), 'data-state', 'off');
      await attributeBecomes(guest, byTestId('toggle-camera'), 'data-state', 'off');
      expect(await guest.text(byTestId('low-data-state'))).toContain('Camera off to save data');
      expect(await guest.attribute(byTestId('toggle-camera'), 'aria-label')).toBe(
        'Camera: off to save data. Press to switch it on.',
      );
      await host.waitFor(`${tile('Gus')}[data-camera="off"]`);

      // The data saver on top: both shown in the header.
      const before = await videoHeights(guest);
      const bytesBefore = await bytesReceived(guest);
      await pause(2000);
      const rateBefore = ((await bytesReceived(guest)).video - bytesBefore.video) / 2;
      await guest.click(byTestId('data-saver'));
      await attributeBecomes(guest, byTestId('data-saver'), 'data-state', 'on');
      expect(await guest.text(byTestId('low-data-state'))).toContain('Data saver');
      await waitFor(
        () => framesShown(guest, tile('Host Hana')),
        (frames) => frames > 10,
        'Hana’s camera still shown under the data saver',
        20_000,
      );
      // The server forwards only Hana's smallest simulcast layer now, whatever the tile's size.
      const smallest = Math.min(...(await videoHeights(host)).outbound);
      await waitFor(
        () => videoHeights(guest),
        (heights) => heights.inbound.length === 1 && heights.inbound[0] === smallest,
        `Gus receives Hana’s ${smallest}p layer`,
        15_000,
      );
      const saving = await bytesReceived(guest);
      await pause(2000);
      const rateSaving = ((await bytesReceived(guest)).video - saving.video) / 2;
      console.info(
        `[data saver ${browser}] received ${before.inbound.join('/')}p at ${Math.round(rateBefore / 1000)} kB/s, ` +
          `then ${smallest}p at ${Math.round(rateSaving / 1000)} kB/s (sent layers ${(await videoHeights(host)).outbound.join('/')}p)`,
      );

      // Remembered: after a reload Gus joins with his camera off and the data saver on.
      await guest.reload();
      await enter(guest, room, 'Gus');
      await guest.waitFor(tile('Host Hana'));
      await openLowDataMenu(guest);
      await attributeBecomes(guest, byTestId('data-saver'), 'data-state', 'on');
      await attributeBecomes(guest, byTestId('send-video'), 'data-state', 'off');
      await attributeBecomes(guest, byTestId('toggle-camera'), 'data-state', 'off');
      await host.waitFor(`${tile('Gus')}[data-camera="off"]`);

      // Switching the camera on is always possible; it ends "send no video".
      await guest.click(byTestId('toggle-camera'));
      await attributeBecomes(guest, byTestId('toggle-camera'), 'data-state', 'on');
      await attributeBecomes(guest, byTestId('send-video'), 'data-state', 'on');
      await host.waitFor(`${tile('Gus')} video`);
    },
  );

  it('per-person volume and "mute for me": keyboard reachable, applied to that person’s audio only, kept for the meeting', async () => {
    const room = `volume-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    const ann = await suite.open();
    await enter(ann, room, 'Ann', { camera: false });
    const guest = await suite.open();
    await enter(guest, room, 'Gus', { camera: false });
    await guest.waitFor(tile('Ann'));
    await guest.waitFor(tile('Host Hana'));
    await openPanel(guest, 'participants-toggle');
    const row = (name: string) => `[data-testid="participant"][data-name="${name}"]`;
    await guest.waitFor(`${row('Host Hana')} ${byTestId('volume')}`);
    // No slider for oneself.
    expect(await guest.count(`${row('Gus')} ${byTestId('volume')}`)).toBe(0);
    expect(await guest.attribute(`${row('Ann')} ${byTestId('volume')}`, 'type')).toBe('range');

    // Which <audio> plays whom (each row's slider belongs to one participant id).
    const audioVolumes = () =>
      guest.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLAudioElement>('audio[data-participant]')).map((audio) => ({
          id: audio.dataset.participant ?? '',
          volume: Math.round(audio.volume * 100),
          muted: audio.muted,
        })),
      );
    await waitFor(audioVolumes, (list) => list.length === 2, 'two remote microphones playing');

    // Keyboard: focus Hana's slider and lower it by four steps of 5.
    await guest.evaluate(
      (selector: string) => document.querySelector<HTMLInputElement>(selector)?.focus(),
      `${row('Host Hana')} ${byTestId('volume')}`,
    );
    for (let i = 0; i < 4; i++) await guest.press('ArrowLeft');
    await waitFor(
      () =>
        guest.evaluate(
          (s: string) => document.querySelector<HTMLInputElement>(s)?.value,
          `${row('Host Hana')} ${byTestId('volume')}`,
        ),
      (value) => value === '80',
      'slider at 80',
    );
    await waitFor(
      audioVolumes,
      (list) =>
        list.filter((a) => a.volume === 80).length === 1 && list.filter((a) => a.volume === 100).length === 1,
      'Hana at 80 %, Ann unchanged',
    );

    // Mute Ann for me: her audio element goes silent here; for everyone else she is not muted.
    await guest.click(`${row('Ann')} ${byTestId('mute-for-me')}`);
    await attributeBecomes(guest, `${row('Ann')} ${byTestId('mute-for-me')}`, 'aria-pressed', 'true');
    await waitFor(audioVolumes, (list) => list.filter((a) => a.muted).length === 1, 'Ann muted here');
    expect(await guest.text(row('Ann'))).toContain('Muted for me');
    expect(await guest.attribute(tile('Ann'), 'data-mic')).toBe('on');
    expect(await host.attribute(tile('Ann'), 'data-mic')).toBe('on');
    expect(await ann.attribute(byTestId('toggle-mic'), 'data-state')).toBe('on');

    // A reload of the tab in the same meeting keeps both choices.
    await guest.reload();
    await enter(guest, room, 'Gus', { camera: false });
    await guest.waitFor(tile('Ann'));
    await openPanel(guest, 'participants-toggle');
    await waitFor(
      () =>
        guest.evaluate(
          (s: string) => document.querySelector<HTMLInputElement>(s)?.value,
          `${row('Host Hana')} ${byTestId('volume')}`,
        ),
      (value) => value === '80',
      'Hana’s volume kept after a reload',
    );
    expect(await guest.attribute(`${row('Ann')} ${byTestId('mute-for-me')}`, 'aria-pressed')).toBe('true');
    await waitFor(
      audioVolumes,
      (list) =>
        list.length === 2 && list.filter((a) => a.muted).length === 1 && list.some((a) => a.volume === 80),
      'the kept choices applied to the new audio elements',
    );
  });

  it.skipIf(!mediaWorksIn(browser))(
    `with end-to-end encryption on: volume and audio only work the same, and video decrypts again after it${mediaNote(browser)}`,
    async () => {
      const room = `low-e2ee-${Date.now().toString(36)}`;
      const host = await suite.open();
      await suite.signIn(host, HOST.username, HOST.password);
      await enter(host, room, 'Host Hana');
      await host.click(byTestId('e2ee-toggle'));
      await attributeBecomes(host, byTestId('e2ee-state'), 'data-state', 'on', 30_000);
      const guest = await suite.open();
      await enter(guest, room, 'Gus', { camera: false });
      await attributeBecomes(guest, byTestId('e2ee-state'), 'data-state', 'on', 30_000);
      await waitFor(
        () => framesShown(guest, tile('Host Hana')),
        (frames) => frames > 10,
        'Gus sees Hana’s encrypted camera',
        30_000,
      );
      await hearsOthers(guest, 1);

      // Half volume for Hana, by keyboard: the decrypted audio plays at 50 %.
      await openPanel(guest, 'participants-toggle');
      const slider = `[data-testid="participant"][data-name="Host Hana"] ${byTestId('volume')}`;
      await guest.waitFor(slider);
      await guest.evaluate(
        (selector: string) => document.querySelector<HTMLInputElement>(selector)?.focus(),
        slider,
      );
      for (let i = 0; i < 10; i++) await guest.press('ArrowLeft');
      await waitFor(
        () =>
          guest.evaluate(() =>
            Array.from(document.querySelectorAll<HTMLAudioElement>('audio[data-source="mic"]')).map((a) =>
              Math.round(a.volume * 100),
            ),
          ),
        (volumes) => volumes.length === 1 && volumes[0] === 50,
        'Hana’s audio at 50 %',
      );
      await hearsOthers(guest, 1);

      // Audio only stops the encrypted video at the server too; back on, it decrypts and shows again.
      await guest.click(byTestId('receive-video'));
      await attributeBecomes(guest, byTestId('receive-video'), 'data-state', 'off');
      await videoStops(guest);
      const paused = await bytesReceived(guest);
      await pause(2000);
      expect((await bytesReceived(guest)).video).toBe(paused.video);
      await guest.click(byTestId('receive-video'));
      await guest.waitFor(`${tile('Host Hana')} video`);
      await waitFor(
        () => framesShown(guest, tile('Host Hana')),
        (frames) => frames > 10,
        'Hana’s encrypted camera shown again',
        30_000,
      );
      expect(await guest.count(`${tile('Host Hana')} ${byTestId('tile-waiting-for-keys')}`)).toBe(0);
    },
  );
});
