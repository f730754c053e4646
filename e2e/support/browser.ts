import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The fake camera's frame rate for tests that check what people see rather than how well video flows.
 * The browser sets are CPU-bound on two cores, and most of that CPU is encoding and decoding video:
 * 10 frames/s instead of Chromium's default 20 halves it. Tests and benchmarks that measure frame
 * rates, freezes or simulcast layers keep the default.
 */
export const LIGHT_CAPTURE_FPS = 10;

/**
 * Debian's Chromium with a fake camera and microphone (a moving test pattern and a beep).
 * `fakeAudioFile`: the microphone plays this WAV file (16-bit PCM, looped) instead of the beep.
 * `captureFps`: the fake camera's frame rate (Chromium's default, 20, when not given).
 */
export async function launchBrowser(
  options: { fakeAudioFile?: string; captureFps?: number } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      options.captureFps
        ? `--use-fake-device-for-media-stream=fps=${options.captureFps}`
        : '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      '--auto-select-desktop-capture-source=Entire screen',
      '--disable-gpu',
      ...(options.fakeAudioFile ? [`--use-file-for-fake-audio-capture=${options.fakeAudioFile}`] : []),
    ],
  });
}

/**
 * A new browser profile (own cookies, own storage). Every RTCPeerConnection the page creates is
 * remembered in window.__pcs so tests can read WebRTC statistics as a person's browser sees them.
 */
export async function newPerson(
  browser: Browser,
  baseURL: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, permissions: ['camera', 'microphone'] });
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const pcs: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        pcs.push(this);
      }
    } as typeof RTCPeerConnection;
  });
  const page = await context.newPage();
  return { context, page };
}

/** Frames decoded and shown by the <video> inside the given tile. */
export async function framesShown(page: Page, tileSelector: string): Promise<number> {
  return page.evaluate((selector) => {
    const video = document.querySelector<HTMLVideoElement>(`${selector} video`);
    return video ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
  }, tileSelector);
}

/** Audio RTP packets received by this page across all its peer connections. */
export async function audioPacketsReceived(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let total = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') total += report.packetsReceived ?? 0;
      });
    }
    return total;
  });
}

/** Polls `read` until `accept` holds, failing with the last value after the timeout. */
export async function waitFor<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}

/** True when frames of the tile's video keep increasing over a short window. */
export async function videoKeepsPlaying(page: Page, tileSelector: string): Promise<void> {
  const first = await waitFor(
    () => framesShown(page, tileSelector),
    (n) => n > 0,
    `first frame in ${tileSelector}`,
  );
  await waitFor(
    () => framesShown(page, tileSelector),
    (n) => n >= first + 10,
    `more frames in ${tileSelector}`,
  );
}
