import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, videoKeepsPlaying, waitFor } from './support/browser.js';
import { explainFailures } from './support/diagnostics.js';
import { enter, People, tile } from './support/meeting.js';
import { ensureTestClient, type RunningServer, startServer } from './support/server.js';

/**
 * Background blur and pictures (issue #15), seen from the other side: the remote tile's decoded
 * picture changes the way the chosen effect says, while its video keeps flowing and the publish
 * connection is not renegotiated. The test build of the app (PARLEY_WEB_ROOT) exposes the
 * processor's figures (`__parleyBackground`).
 */

const HOST = { username: 'background-host', password: 'correct horse battery' };
let server: RunningServer;
let people: People;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  server = await startServer({ PARLEY_WEB_ROOT: await ensureTestClient() });
  await server.addUser(HOST.username, HOST.password, true);
  const browser = await launchBrowser();
  people = new People(browser, server);
  closeBrowser = () => browser.close();
});
afterEach(async () => {
  for (const page of people?.pages.splice(0) ?? [])
    await page
      .context()
      .close()
      .catch(() => {});
});
explainFailures(
  () => people?.pages ?? [],
  () => server,
);
afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

interface FrameLook {
  /**
   * Mean absolute difference between neighbouring pixels' luminance in the top third (background
   * in Chromium's fake camera picture: its corner marks and frame counter): high when sharp.
   */
  edges: number;
  red: number;
  green: number;
  blue: number;
}

/** Draws the tile's current video frame at 160×90 and measures its sharpness and mean colour. */
async function look(page: Page, tileSelector: string): Promise<FrameLook> {
  return page.evaluate((selector) => {
    const video = document.querySelector<HTMLVideoElement>(`${selector} video`);
    if (!video || video.videoWidth === 0) return { edges: -1, red: 0, green: 0, blue: 0 };
    const width = 160;
    const height = 90;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return { edges: -1, red: 0, green: 0, blue: 0 };
    ctx.drawImage(video, 0, 0, width, height);
    const { data } = ctx.getImageData(0, 0, width, height);
    const luma = (i: number) => 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
    let edges = 0;
    let red = 0;
    let green = 0;
    let blue = 0;
    for (let y = 0; y < height - 1; y++) {
      for (let x = 0; x < width - 1; x++) {
        const i = (y * width + x) * 4;
        if (y < height / 3)
          edges += Math.abs(luma(i) - luma(i + 4)) + Math.abs(luma(i) - luma(i + width * 4));
        red += data[i]!;
        green += data[i + 1]!;
        blue += data[i + 2]!;
      }
    }
    const n = (width - 1) * (height - 1);
    return { edges: edges / ((width - 1) * (height / 3)), red: red / n, green: green / n, blue: blue / n };
  }, tileSelector);
}

/** The median look over a few frames (the fake camera's picture moves). */
async function steadyLook(page: Page, tileSelector: string): Promise<FrameLook> {
  const looks: FrameLook[] = [];
  for (let i = 0; i < 5; i++) {
    looks.push(
      await waitFor(
        () => look(page, tileSelector),
        (l) => l.edges >= 0,
        'a frame to sample',
      ),
    );
    await page.waitForTimeout(200);
  }
  const median = (key: keyof FrameLook) => looks.map((l) => l[key]).sort((a, b) => a - b)[2]!;
  return { edges: median('edges'), red: median('red'), green: median('green'), blue: median('blue') };
}

/** The publish connection's local description (unchanged when nothing was renegotiated). */
function publishSdp(page: Page): Promise<string> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const publish = pcs.find((pc) => pc.getTransceivers().some((t) => t.direction === 'sendonly'));
    return publish?.localDescription?.sdp ?? '';
  });
}

interface Stats {
  path: string;
  fps: number;
  frames: number;
  width: number;
  height: number;
  busyMs: number;
}

function processorStats(page: Page): Promise<Stats | null> {
  return page.evaluate(() =>
    (window as unknown as { __parleyBackground: () => Stats | null }).__parleyBackground(),
  );
}

async function meet(room: string): Promise<{ host: Page; guest: Page }> {
  const host = await people.open();
  await people.signIn(host, HOST.username, HOST.password);
  await enter(host, room, 'Host Hana');
  const guest = await people.open();
  await enter(guest, room, 'Guest Gina');
  await guest.locator(tile('Host Hana')).waitFor();
  await videoKeepsPlaying(guest, tile('Host Hana'));
  return { host, guest };
}

describe('background blur and pictures', () => {
  it('blurs the host’s background for the guest without renegotiating, and video keeps flowing', async () => {
    const { host, guest } = await meet(`blur-${Date.now().toString(36)}`);
    const sharp = await steadyLook(guest, tile('Host Hana'));
    const sdpBefore = await publishSdp(host);

    await host.getByTestId('background').selectOption('blur');
    const stats = await waitFor(
      () => processorStats(host),
      (s) => s !== null && s.frames > 30,
      'the background processor running',
      30_000,
    );
    expect(stats?.path).toBe('insertable-streams');
    // The fake camera shows no person: all of it is background, so the whole picture blurs.
    const blurred = await waitFor(
      () => steadyLook(guest, tile('Host Hana')),
      (l) => l.edges < sharp.edges * 0.5,
      `the guest's picture of the host to blur (sharp: ${sharp.edges.toFixed(2)})`,
      20_000,
    );
    expect(blurred.edges).toBeLessThan(sharp.edges * 0.5);
    await videoKeepsPlaying(guest, tile('Host Hana'));
    // Same sender, new track: the publish connection was not renegotiated.
    expect(await publishSdp(host)).toBe(sdpBefore);

    // The camera off and on again: the new camera picture is blurred as well.
    await host.getByTestId('toggle-camera').click();
    await host.locator('[data-testid="toggle-camera"][data-state="off"]').waitFor();
    await host.getByTestId('toggle-camera').click();
    await host.locator('[data-testid="toggle-camera"][data-state="on"]').waitFor();
    await videoKeepsPlaying(guest, tile('Host Hana'));
    await waitFor(
      () => steadyLook(guest, tile('Host Hana')),
      (l) => l.edges < sharp.edges * 0.5,
      'the picture to be blurred after the camera came back',
      20_000,
    );

    // Off again: the sharp picture comes back.
    await host.getByTestId('background').selectOption('off');
    await waitFor(
      () => steadyLook(guest, tile('Host Hana')),
      (l) => l.edges > sharp.edges * 0.8,
      'the sharp picture to come back',
      20_000,
    );
    await videoKeepsPlaying(guest, tile('Host Hana'));
  });

  it('paints through a canvas where insertable streams are missing (the path other browsers take)', async () => {
    const room = `blur-canvas-${Date.now().toString(36)}`;
    const host = await people.open();
    // As in a browser without MediaStreamTrackProcessor on the page.
    await host.context().addInitScript(() => {
      delete (window as unknown as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor;
    });
    await people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    const guest = await people.open();
    await enter(guest, room, 'Guest Gina');
    await guest.locator(tile('Host Hana')).waitFor();
    await videoKeepsPlaying(guest, tile('Host Hana'));
    const sharp = await steadyLook(guest, tile('Host Hana'));
    await host.getByTestId('background').selectOption('blur');
    const stats = await waitFor(
      () => processorStats(host),
      (s) => s !== null && s.frames > 30,
      'the background processor running',
      30_000,
    );
    expect(stats?.path).toBe('canvas');
    await waitFor(
      () => steadyLook(guest, tile('Host Hana')),
      (l) => l.edges < sharp.edges * 0.5,
      `the guest's picture of the host to blur (sharp: ${sharp.edges.toFixed(2)})`,
      20_000,
    );
    await videoKeepsPlaying(guest, tile('Host Hana'));
  });

  it('blurs with end-to-end encryption on: the effect works before encryption', async () => {
    const { host, guest } = await meet(`blur-e2ee-${Date.now().toString(36)}`);
    await guest.getByTestId('e2ee-toggle').click();
    for (const person of [guest, host])
      await waitFor(
        () => person.getByTestId('e2ee-state').getAttribute('data-state'),
        (state) => state === 'on',
        'encryption on',
        30_000,
      );
    await videoKeepsPlaying(guest, tile('Host Hana'));
    const sharp = await steadyLook(guest, tile('Host Hana'));
    await host.getByTestId('background').selectOption('blur');
    await waitFor(
      () => steadyLook(guest, tile('Host Hana')),
      (l) => l.edges < sharp.edges * 0.5,
      `the encrypted picture of the host to blur (sharp: ${sharp.edges.toFixed(2)})`,
      30_000,
    );
    await videoKeepsPlaying(guest, tile('Host Hana'));
    expect(await host.getByTestId('e2ee-state').getAttribute('data-state')).toBe('on');
  });

  it('sends a shipped picture chosen on the pre-join screen, then one’s own picture, never uploaded', async () => {
    const room = `picture-${Date.now().toString(36)}`;
    const host = await people.open();
    await people.signIn(host, HOST.username, HOST.password);
    await host.goto(`/room/${room}`);
    // The lake at dusk: dark blue. The preview shows it before joining.
    await host.getByTestId('background').selectOption('lake');
    const preview = await waitFor(
      () => steadyLook(host, '.tile--preview'),
      (l) => l.blue > l.green + 20 && l.blue > l.red + 20,
      'the lake picture in the preview',
      30_000,
    );
    expect(preview.blue).toBeGreaterThan(preview.red);
    await host.getByTestId('display-name').fill('Host Hana');
    await host.getByTestId('join').click();
    const guest = await people.open();
    await enter(guest, room, 'Guest Gina');
    await guest.locator(tile('Host Hana')).waitFor();
    await videoKeepsPlaying(guest, tile('Host Hana'));
    const lake = await steadyLook(guest, tile('Host Hana'));
    expect(lake.blue).toBeGreaterThan(lake.green + 20);

    // One's own picture (pure magenta), picked from a file: no request carries it anywhere.
    const requests: string[] = [];
    host.context().on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
    const magenta = await host.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 180;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#ff00ff';
      ctx.fillRect(0, 0, 320, 180);
      return canvas.toDataURL('image/png').split(',')[1]!;
    });
    await host
      .getByTestId('background-file')
      .setInputFiles({ name: 'mine.png', mimeType: 'image/png', buffer: Buffer.from(magenta, 'base64') });
    const own = await waitFor(
      () => steadyLook(guest, tile('Host Hana')),
      (l) => l.red > l.green + 80 && l.blue > l.green + 80,
      'the own magenta picture on the guest’s screen',
      20_000,
    );
    expect(own.red).toBeGreaterThan(own.green);
    expect(await host.getByTestId('background').inputValue()).toBe('custom');
    expect(requests).toEqual([]);
    await videoKeepsPlaying(guest, tile('Host Hana'));
  });
});
