import { existsSync } from 'node:fs';
import type { Browser as PlaywrightBrowser, Page as PlaywrightPage } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser, type Page as PuppeteerPage } from 'puppeteer-core';
import { LIGHT_CAPTURE_FPS, launchBrowser } from './browser.js';
import { startVirtualDisplay, type VirtualDisplay } from './xvfb.js';

/**
 * One person at one browser, as the room tests drive them: the same few operations whether the
 * browser is Debian's Chromium (driven by playwright-core over CDP) or Debian's Firefox ESR (driven by
 * puppeteer-core over WebDriver BiDi). Selectors are CSS; `byTestId` builds the usual one.
 * Reading an attribute or a text waits for the element first, as a person would look for it.
 */
export interface Person {
  readonly browser: BrowserName;
  goto(path: string): Promise<void>;
  reload(): Promise<void>;
  url(): string;
  isClosed(): boolean;
  click(selector: string): Promise<void>;
  hover(selector: string): Promise<void>;
  fill(selector: string, text: string): Promise<void>;
  /** Chooses the <option> with this value in a <select>. */
  select(selector: string, value: string): Promise<void>;
  /** A key pressed on the keyboard, e.g. 'h', 'Escape', '?'. */
  press(key: string): Promise<void>;
  waitFor(
    selector: string,
    options?: { state?: 'visible' | 'attached' | 'detached'; timeout?: number },
  ): Promise<void>;
  attribute(selector: string, name: string): Promise<string | null>;
  text(selector: string): Promise<string | null>;
  /** The text of every element the selector matches, in document order (no waiting). */
  texts(selector: string): Promise<string[]>;
  count(selector: string): Promise<number>;
  box(selector: string): Promise<{ x: number; y: number; width: number; height: number } | null>;
  setViewport(width: number, height: number): Promise<void>;
  /** Runs `fn` in the page; `fn` must be self-contained (it is sent as source text). */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Runs `fn(arg)` in every document this person loads from now on, before the app's scripts. */
  addInitScript<A = undefined>(fn: (arg: A) => void, arg?: A): Promise<void>;
  close(): Promise<void>;
}

export type BrowserName = 'chromium' | 'firefox';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Whether the Firefox tests check media (camera and microphone to and from Firefox through the SFU).
 * On since the SFU takes what Firefox sends (issue 14: bundle-only m-lines, RID simulcast). Tests whose
 * point is Firefox media use `it.skipIf(!mediaWorksIn(browser))`; PARLEY_FIREFOX_MEDIA=0 switches the
 * media checks off for one run (to tell a media fault from anything else).
 */
export const FIREFOX_MEDIA = process.env.PARLEY_FIREFOX_MEDIA !== '0';

/**
 * Headless Firefox has no screen to share: its fake devices are a camera and a microphone only, and
 * getDisplayMedia fails with NotFoundError. The room tests' Firefox people are headless, so their
 * screen sharing is tested by e2e/firefox-screen-share.test.ts with a Firefox that has a window on a
 * virtual display (`open('firefox', { screen: true })`).
 */
export function screenShareWorksIn(browser: BrowserName): boolean {
  return browser === 'chromium';
}

/**
 * Appended to the name of a test that checks media among other things: says in the test report that
 * its media checks are off in this browser, so a green run never hides what was not checked.
 */
export function mediaNote(browser: BrowserName): string {
  return mediaWorksIn(browser) ? '' : ' [media checks off until FIREFOX_MEDIA]';
}

/** Whether a meeting's media checks apply to people in this browser. */
export function mediaWorksIn(browser: BrowserName): boolean {
  return browser === 'chromium' || FIREFOX_MEDIA;
}

/** `[data-testid="…"]`, the way the tests name what a person sees (CONTRACT.md test ids). */
export function byTestId(id: string): string {
  return `[data-testid="${id}"]`;
}

/**
 * The browsers the room tests run in for this vitest project: `PARLEY_E2E_BROWSERS` (set per project
 * in vitest.config.ts: `e2e` → chromium, `e2e-firefox` → firefox), a comma-separated list.
 */
export function roomBrowsers(): BrowserName[] {
  const names = (process.env.PARLEY_E2E_BROWSERS ?? 'chromium').split(',').map((name) => name.trim());
  for (const name of names)
    if (name !== 'chromium' && name !== 'firefox')
      throw new Error(`PARLEY_E2E_BROWSERS: unknown browser ${name}`);
  return names as BrowserName[];
}

/**
 * Debian's Firefox ESR, headless, with a fake camera and microphone and no permission prompt.
 * Loopback ICE candidates are hidden by Firefox unless asked for; the test server listens on 127.0.0.1.
 * With `display` (an X display, see xvfb.ts) it opens real windows there instead, and so has a
 * screen to share.
 */
export async function launchFirefox(display?: string, routable = false): Promise<PuppeteerBrowser> {
  if (!existsSync(FIREFOX))
    throw new Error(`Firefox not found at ${FIREFOX}: apt-get install -y firefox-esr`);
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: display === undefined,
    ...(display === undefined ? {} : { env: { ...process.env, DISPLAY: display } }),
    protocolTimeout: 60_000,
    // The size Playwright gives Chromium's pages (Puppeteer's own default is 800×600), so the room
    // looks the same in both and the same controls are in the toolbar, not behind "More".
    defaultViewport: { width: 1280, height: 720 },
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      // The fake camera's rate (Firefox's own is 30 frames/s at 720p, the heaviest part of its set).
      'media.navigator.video.default_fps': LIGHT_CAPTURE_FPS,
      // Firefox gathers every host address (loopback included) only for a page that holds a camera
      // or microphone permission, and the permission-prompt pref above does not count as one.
      'permissions.default.camera': 1,
      'permissions.default.microphone': 1,
      // Against a server on 127.0.0.1: loopback candidates, and no mDNS names for host candidates.
      // `routable`: Firefox's own defaults (no loopback candidates, mDNS names), as on a desk.
      ...(routable
        ? {}
        : {
            'media.peerconnection.ice.loopback': true,
            'media.peerconnection.ice.obfuscate_host_addresses': false,
          }),
      'media.autoplay.default': 0,
      // No sound card here: without an output stream Firefox keeps every AudioContext 'suspended'
      // (the pre-join level meter would stay at 0). The mock audio backend stands in for one.
      'media.cubeb.force_mock_context': true,
      'media.autoplay.blocking_policy': 0,
      'media.getusermedia.screensharing.enabled': true,
      // Nothing from the outside world (updates, telemetry, safe browsing, captive portal checks).
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'app.update.enabled': false,
    },
  });
}

/** Remembers every RTCPeerConnection the page creates in window.__pcs, to read getStats like the person's browser. */
function recordPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
}

/** How a person's browser is set up beyond its kind. */
export interface OpenOptions {
  /** A screen to share: Firefox then runs with windows on a virtual display (Chromium always has one). */
  screen?: boolean;
  /**
   * Firefox with its ICE defaults (no loopback candidates, mDNS host names), for a server that
   * announces a routable address (PARLEY_PUBLIC_IP).
   */
  routable?: boolean;
  /**
   * Chromium's fake camera at its own rate (20 frames/s) instead of LIGHT_CAPTURE_FPS, for tests that
   * measure frame rates at the viewers. Chromium only (the Firefox people there do not send video).
   */
  fullFrameRate?: boolean;
}

/** One browser process of each kind, started when first asked for; `close` ends them. */
export class Browsers {
  private chromium?: Promise<PlaywrightBrowser>;
  private chromiumFullRate?: Promise<PlaywrightBrowser>;
  private firefox?: Promise<PuppeteerBrowser>;
  private firefoxWithScreen?: Promise<{ browser: PuppeteerBrowser; display: VirtualDisplay }>;
  private firefoxRoutable?: Promise<PuppeteerBrowser>;

  constructor(private readonly baseURL: () => string) {}

  async open(name: BrowserName, options: OpenOptions = {}): Promise<Person> {
    if (name === 'chromium') {
      let chromium: PlaywrightBrowser;
      if (options.fullFrameRate) {
        this.chromiumFullRate ??= launchBrowser();
        chromium = await this.chromiumFullRate;
      } else {
        this.chromium ??= launchBrowser({ captureFps: LIGHT_CAPTURE_FPS });
        chromium = await this.chromium;
      }
      const context = await chromium.newContext({
        baseURL: this.baseURL(),
        permissions: ['camera', 'microphone'],
      });
      await context.addInitScript(recordPeerConnections);
      return new PlaywrightPerson(await context.newPage());
    }
    if (options.fullFrameRate) throw new Error('Browsers.open: fullFrameRate is for Chromium only');
    let firefox: PuppeteerBrowser;
    if (options.screen) {
      this.firefoxWithScreen ??= startVirtualDisplay().then(async (display) => {
        try {
          return { browser: await launchFirefox(display.display), display };
        } catch (error) {
          display.stop();
          throw error;
        }
      });
      firefox = (await this.firefoxWithScreen).browser;
    } else if (options.routable) {
      this.firefoxRoutable ??= launchFirefox(undefined, true);
      firefox = await this.firefoxRoutable;
    } else {
      this.firefox ??= launchFirefox();
      firefox = await this.firefox;
    }
    const context = await firefox.createBrowserContext();
    // A window of its own: a second tab in the same window would hide the first person's page
    // (visibilityState 'hidden', throttled timers), which no one at their own computer has.
    const page = await context.newPage({ type: 'window' });
    await page.evaluateOnNewDocument(recordPeerConnections);
    return new PuppeteerPerson(page, this.baseURL());
  }

  async close(): Promise<void> {
    const chromium = this.chromium;
    const chromiumFullRate = this.chromiumFullRate;
    const firefox = this.firefox;
    const firefoxWithScreen = this.firefoxWithScreen;
    const firefoxRoutable = this.firefoxRoutable;
    this.firefoxRoutable = undefined;
    this.chromium = undefined;
    this.chromiumFullRate = undefined;
    this.firefox = undefined;
    this.firefoxWithScreen = undefined;
    await Promise.all([
      chromium?.then((browser) => browser.close()).catch(() => {}),
      chromiumFullRate?.then((browser) => browser.close()).catch(() => {}),
      firefox?.then((browser) => browser.close()).catch(() => {}),
      firefoxRoutable?.then((browser) => browser.close()).catch(() => {}),
      firefoxWithScreen
        ?.then(async ({ browser, display }) => {
          await browser.close().catch(() => {});
          display.stop();
        })
        .catch(() => {}),
    ]);
  }
}

const ACTION_TIMEOUT = 30_000;

/** Both libraries send the function as source text with one serialisable argument. */
type LooseEvaluate<R> = (fn: unknown, arg: unknown) => Promise<R>;

class PlaywrightPerson implements Person {
  readonly browser = 'chromium';
  constructor(readonly page: PlaywrightPage) {}

  private first(selector: string) {
    return this.page.locator(selector).first();
  }
  async goto(path: string) {
    await this.page.goto(path);
  }
  async reload() {
    await this.page.reload();
  }
  url() {
    return this.page.url();
  }
  isClosed() {
    return this.page.isClosed();
  }
  async click(selector: string) {
    await this.first(selector).click();
  }
  async hover(selector: string) {
    await this.first(selector).hover();
  }
  async fill(selector: string, text: string) {
    await this.first(selector).fill(text);
  }
  async select(selector: string, value: string) {
    await this.first(selector).selectOption(value);
  }
  async press(key: string) {
    await this.page.keyboard.press(key);
  }
  async waitFor(
    selector: string,
    options: { state?: 'visible' | 'attached' | 'detached'; timeout?: number } = {},
  ) {
    await this.first(selector).waitFor({
      state: options.state ?? 'visible',
      timeout: options.timeout ?? ACTION_TIMEOUT,
    });
  }
  attribute(selector: string, name: string) {
    return this.first(selector).getAttribute(name);
  }
  text(selector: string) {
    return this.first(selector).textContent();
  }
  texts(selector: string) {
    return this.page.locator(selector).allTextContents();
  }
  count(selector: string) {
    return this.page.locator(selector).count();
  }
  box(selector: string) {
    return this.first(selector).boundingBox();
  }
  async setViewport(width: number, height: number) {
    await this.page.setViewportSize({ width, height });
  }
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return (this.page.evaluate as LooseEvaluate<R>).call(this.page, fn, arg);
  }
  async addInitScript<A = undefined>(fn: (arg: A) => void, arg?: A) {
    await this.page.addInitScript(fn as (arg: unknown) => void, arg);
  }
  async close() {
    await this.page.context().close();
  }
}

class PuppeteerPerson implements Person {
  readonly browser = 'firefox';
  private closed = false;
  constructor(
    readonly page: PuppeteerPage,
    private readonly baseURL: string,
  ) {
    page.setDefaultTimeout(ACTION_TIMEOUT);
  }

  private locator(selector: string) {
    return this.page.locator(selector).setTimeout(ACTION_TIMEOUT);
  }
  async goto(path: string) {
    await this.page.goto(new URL(path, this.baseURL).href);
  }
  async reload() {
    await this.page.reload();
  }
  url() {
    return this.page.url();
  }
  isClosed() {
    return this.closed || this.page.isClosed();
  }
  async click(selector: string) {
    await this.waitUntilHittable(selector);
    await this.locator(selector).click();
  }
  async hover(selector: string) {
    await this.waitUntilHittable(selector);
    await this.locator(selector).hover();
  }
  /**
   * Puppeteer clicks at the element's centre whatever lies on top of it (a toast over a toolbar
   * button); a person, and Playwright, wait until the element itself is there to be clicked.
   */
  private async waitUntilHittable(selector: string) {
    await this.page.waitForFunction(
      (css: string) => {
        const element = document.querySelector(css);
        if (!element) return false;
        element.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) return false;
        const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        return hit !== null && (hit === element || element.contains(hit));
      },
      { polling: 100, timeout: ACTION_TIMEOUT },
      selector,
    );
  }
  async fill(selector: string, text: string) {
    await this.locator(selector).fill(text);
  }
  async select(selector: string, value: string) {
    await this.waitFor(selector, { state: 'attached' });
    await this.page.select(selector, value);
  }
  async press(key: string) {
    await this.page.keyboard.press(key as Parameters<PuppeteerPage['keyboard']['press']>[0]);
  }
  async waitFor(
    selector: string,
    options: { state?: 'visible' | 'attached' | 'detached'; timeout?: number } = {},
  ) {
    const timeout = options.timeout ?? ACTION_TIMEOUT;
    const state = options.state ?? 'visible';
    if (state === 'visible') await this.page.waitForSelector(selector, { visible: true, timeout });
    else
      await this.page.waitForFunction(
        (css: string, present: boolean) => (document.querySelector(css) !== null) === present,
        { polling: 100, timeout },
        selector,
        state === 'attached',
      );
  }
  async attribute(selector: string, name: string) {
    await this.waitFor(selector, { state: 'attached' });
    return this.page.$eval(selector, (element, attribute) => element.getAttribute(attribute), name);
  }
  async text(selector: string) {
    await this.waitFor(selector, { state: 'attached' });
    return this.page.$eval(selector, (element) => element.textContent);
  }
  texts(selector: string) {
    return this.page.$$eval(selector, (elements) => elements.map((element) => element.textContent ?? ''));
  }
  count(selector: string) {
    return this.page.$$eval(selector, (elements) => elements.length);
  }
  async box(selector: string) {
    const element = await this.page.waitForSelector(selector, { timeout: ACTION_TIMEOUT });
    return (await element?.boundingBox()) ?? null;
  }
  async setViewport(width: number, height: number) {
    await this.page.setViewport({ width, height });
  }
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return (this.page.evaluate as LooseEvaluate<R>).call(this.page, fn, arg);
  }
  async addInitScript<A = undefined>(fn: (arg: A) => void, arg?: A) {
    await this.page.evaluateOnNewDocument(fn as (arg: unknown) => void, arg);
  }
  async close() {
    this.closed = true;
    await this.page.browserContext().close();
  }
}
