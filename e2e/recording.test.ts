import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

// Evaluated over the DevTools protocol: the pages' Content-Security-Policy blocks injected <script>s.
const suite = meetingSuite({ username: 'rec-host', password: 'recording password 123' });

/**
 * A person whose page notes (wall clock) when the consent notice first appears and when a
 * MediaRecorder first starts, so the order of the two can be checked across browsers.
 */
async function person(language: 'en' | 'de'): Promise<Page> {
  const page = await suite.people.open();
  await page.context().addInitScript((code) => {
    localStorage.setItem('parley.language', code);
    const marks = { consentShownAt: 0, recorderStartedAt: 0 };
    (window as unknown as { __rec: typeof marks }).__rec = marks;
    const start = MediaRecorder.prototype.start;
    MediaRecorder.prototype.start = function (this: MediaRecorder, ...args: [number?]) {
      if (!marks.recorderStartedAt) marks.recorderStartedAt = Date.now();
      return start.apply(this, args);
    };
    new MutationObserver(() => {
      if (!marks.consentShownAt && document.querySelector('[data-testid="recording-consent"][open]'))
        marks.consentShownAt = Date.now();
    }).observe(document, { subtree: true, childList: true, attributes: true });
  }, language);
  return page;
}

const marks = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { __rec: { consentShownAt: number; recorderStartedAt: number } }).__rec,
  );

/**
 * The time of the last block in a WebM file as MediaRecorder writes it (Segment and Clusters of
 * unknown size): Cluster Timecode plus each SimpleBlock's relative timecode, in milliseconds
 * (MediaRecorder's timecode scale). Written independently of the app's own WebM code.
 */
function lastBlockTimestampMs(bytes: Uint8Array): number {
  const vint = (at: number, keepMarker: boolean) => {
    const first = bytes[at] ?? 0;
    let length = 1;
    while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
    let value = keepMarker ? first : first & (0xff >> length);
    let unknown = value === 0xff >> length;
    for (let i = 1; i < length; i++) {
      const byte = bytes[at + i] ?? 0;
      if (byte !== 0xff) unknown = false;
      value = value * 256 + byte;
    }
    return { value, length, unknown: !keepMarker && unknown };
  };
  const CONTAINERS = new Set([0x18538067, 0x1f43b675]); // Segment, Cluster: step inside
  let at = 0;
  let cluster = 0;
  let last = -1;
  while (at < bytes.length) {
    const id = vint(at, true);
    const size = vint(at + id.length, false);
    const data = at + id.length + size.length;
    if (CONTAINERS.has(id.value)) {
      at = data;
      continue;
    }
    if (size.unknown) break;
    if (id.value === 0xe7) {
      cluster = 0;
      for (let i = 0; i < size.value; i++) cluster = cluster * 256 + (bytes[data + i] ?? 0);
    } else if (id.value === 0xa3) {
      const track = vint(data, false);
      const relative = new DataView(bytes.buffer, bytes.byteOffset + data + track.length, 2).getInt16(0);
      last = Math.max(last, cluster + relative);
    }
    at = data + size.value;
  }
  return last;
}

const e2eeState = (page: Page) => page.getByTestId('e2ee-state').getAttribute('data-state');

describe('recording in the browser with consent (E2EE on)', () => {
  it('asks everyone first, leaves the decliner out, and saves a playable file of the right length', async () => {
    const room = `rec-${Date.now().toString(36)}`;
    const host = await person('en');
    const ann = await person('en');
    const ben = await person('de');
    await suite.people.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    await enter(ann, room, 'Ann Accepts');
    await enter(ben, room, 'Ben Lehnt-ab');
    for (const page of [host, ann, ben]) {
      for (const name of ['Host Hana', 'Ann Accepts', 'Ben Lehnt-ab'])
        await page.locator(tile(name)).waitFor();
    }

    await host.getByTestId('e2ee-toggle').click();
    for (const page of [host, ann, ben]) {
      await waitFor(
        () => e2eeState(page),
        (s) => s === 'on',
        'encryption on',
        30_000,
      );
    }
    // Guests may not start a recording: they have no button.
    expect(await ann.getByTestId('recording-start').count()).toBe(0);

    await host.getByTestId('recording-start').click();
    for (const page of [ann, ben]) await page.getByTestId('recording-consent').waitFor();
    // Until everyone answered, the recorder writes nothing.
    expect(await host.getByTestId('recording-indicator').getAttribute('data-recorder')).toBe('waiting');
    expect((await marks(host)).recorderStartedAt).toBe(0);
    for (const page of [host, ann, ben]) await page.getByTestId('recording-indicator').waitFor();
    // The notice in both languages, and nothing serious for axe while it is open.
    expect(await ann.getByTestId('recording-consent').textContent()).toContain(
      'This meeting is being recorded',
    );
    expect(await ben.getByTestId('recording-consent').textContent()).toContain(
      'Diese Besprechung wird aufgezeichnet',
    );
    expect(await seriousViolations(ann)).toEqual([]);
    expect(await seriousViolations(ben)).toEqual([]);
    // Escape does not make it go away.
    await ann.keyboard.press('Escape');
    expect(await ann.getByTestId('recording-consent').isVisible()).toBe(true);

    await ann.getByTestId('recording-accept').click();
    await ben.getByTestId('recording-decline').click();
    for (const page of [ann, ben]) await page.getByTestId('recording-consent').waitFor({ state: 'detached' });

    const indicator = host.getByTestId('recording-indicator');
    await waitFor(
      () => indicator.getAttribute('data-recorder'),
      (s) => s === 'recording',
      'recording',
    );
    const recordingSince = Date.now();
    // Everyone sees the indicator and that Ben is not in the recording.
    for (const page of [host, ann]) {
      await waitFor(
        () => page.getByTestId('recording-left-out').textContent(),
        (text) => text?.includes('Ben Lehnt-ab') === true,
        'Ben announced as left out',
      );
    }
    expect(await ben.getByTestId('recording-indicator').textContent()).toContain('Nicht in der Aufnahme');
    // The first frame was written after every notice was on screen.
    const started = (await marks(host)).recorderStartedAt;
    expect(started).toBeGreaterThan(0);
    for (const page of [ann, ben]) {
      const shown = (await marks(page)).consentShownAt;
      expect(shown).toBeGreaterThan(0);
      expect(shown).toBeLessThanOrEqual(started);
    }
    // The picture holds the host and Ann only.
    await waitFor(
      () => indicator.getAttribute('data-composed'),
      (n) => n === '2',
      'two in the picture',
    );

    await host.waitForTimeout(4000);
    await host.getByTestId('recording-stop').click();
    const recordedMs = Date.now() - recordingSince;
    for (const page of [host, ann, ben]) {
      await page.getByTestId('recording-indicator').waitFor({ state: 'detached' });
    }
    const link = host.getByTestId('recording-download');
    await link.waitFor();
    const download = host.waitForEvent('download');
    await link.click();
    const saved = await download;
    expect(saved.suggestedFilename()).toMatch(/\.webm$/);
    // The saved file is WebM (EBML magic) of a plausible size.
    const file = readFileSync((await saved.path()) ?? '');
    expect([...file.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    expect(file.length).toBeGreaterThan(10_000);

    // The file plays in a <video>: its duration is known and right, and it has decoded frames.
    const played = await host.evaluate(
      async (href: string) => {
        // The blob URL itself (the page's Content-Security-Policy admits blob: media, not blob: fetches).
        const video = document.createElement('video');
        video.muted = true;
        video.src = href;
        await new Promise<void>((resolve, reject) => {
          video.onloadedmetadata = () => resolve();
          video.onerror = () => reject(new Error('the file does not load'));
        });
        const duration = video.duration;
        const times: number[] = [];
        const frames = await new Promise<number>((resolve) => {
          let count = 0;
          const each = (_now: number, meta: { mediaTime: number }) => {
            times.push(meta.mediaTime);
            count++;
            if (count < 5) video.requestVideoFrameCallback(each);
            else resolve(count);
          };
          video.requestVideoFrameCallback(each);
          void video.play();
          setTimeout(() => resolve(count), 5000);
        });
        return {
          duration,
          times,
          width: video.videoWidth,
          frames,
          decoded: video.getVideoPlaybackQuality().totalVideoFrames,
        };
      },
      (await link.getAttribute('href')) ?? '',
    );
    console.log(`recording: ${JSON.stringify(played)}, recorded for about ${recordedMs} ms`);
    expect(Number.isFinite(played.duration)).toBe(true);
    expect(Math.abs(played.duration * 1000 - recordedMs)).toBeLessThan(1500);
    // The header's duration is the length of what was written: the last block's time is close to it.
    const lastBlockMs = lastBlockTimestampMs(file);
    console.log(`recording: last block at ${lastBlockMs} ms`);
    expect(Math.abs(lastBlockMs - played.duration * 1000)).toBeLessThan(500);
    expect(played.width).toBe(1280);
    // Presented frames: a loaded machine plays choppily, so a few suffice; decoding is what counts.
    expect(played.frames).toBeGreaterThanOrEqual(2);
    expect(played.decoded).toBeGreaterThan(0);
  });

  it('ends the recording for everyone when the recorder leaves, and tells a joiner on entry', async () => {
    const room = `rec-${Date.now().toString(36)}`;
    const host = await person('en');
    const ann = await person('en');
    await suite.people.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    await enter(ann, room, 'Ann');
    await host.locator(tile('Ann')).waitFor();
    // The host lets Ann record (participants panel), and Ann records.
    await host.getByTestId('participants-toggle').click();
    await host
      .locator('[data-testid="participant"][data-name="Ann"] [data-testid="recording-permit"]')
      .click();
    await ann.getByTestId('recording-start').click();
    await host.getByTestId('recording-consent').waitFor();
    await host.getByTestId('recording-accept').click();
    await waitFor(
      () => ann.getByTestId('recording-indicator').getAttribute('data-recorder'),
      (s) => s === 'recording',
      'Ann recording',
    );
    // A joiner sees the indicator and is asked at once.
    const late = await person('en');
    await enter(late, room, 'Late Lou');
    await late.getByTestId('recording-indicator').waitFor();
    await late.getByTestId('recording-consent').waitFor();
    expect(await late.getByTestId('recording-indicator').textContent()).toContain('Ann is recording');

    // Ann leaves: her browser saves what it recorded, and the recording ends for everyone.
    const saved = ann.waitForEvent('download');
    await ann.getByTestId('leave').click();
    expect((await saved).suggestedFilename()).toMatch(/\.webm$/);
    for (const page of [host, late]) {
      await page.getByTestId('recording-indicator').waitFor({ state: 'detached' });
      await page.getByTestId('recording-consent').waitFor({ state: 'detached' });
    }
    expect(await host.getByTestId('recording-start').count()).toBe(1);
  });
});
