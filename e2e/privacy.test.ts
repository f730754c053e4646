import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFiles, inventoryItems } from '../packages/server/src/privacy/inventory.js';
import { LIGHT_CAPTURE_FPS, launchBrowser, newPerson, waitFor } from './support/browser.js';
import { type RunningServer, startServer } from './support/server.js';

/**
 * Privacy, checked from the outside: a real meeting with marker strings leaves none of them in the
 * data directory or the server's output; the pages request nothing from any other origin; every
 * answer carries the security headers; people can download and delete their own account's data.
 */

const tag = randomBytes(5).toString('hex');
const MARK = {
  room: `ForensicRoom${tag}`,
  hostName: `HostMarker${tag}`,
  guestName: `GuestMarker${tag}`,
  chat: `ChatMarker${tag} meet me at the usual place`,
  roomPassword: `RoomPasswordMarker${tag}`,
};
const HOST = { username: 'privacy-host', password: 'correct horse battery' };
const LEAVER = { username: 'leaving-person', password: 'battery staple horse' };

/** The server every test but the forensic one uses. */
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  await server.addUser(HOST.username, HOST.password, true);
  await server.addUser(LEAVER.username, LEAVER.password);
  browser = await launchBrowser({ captureFps: LIGHT_CAPTURE_FPS });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Every request any page of the person's browser makes, and every WebSocket it opens. */
async function recordingPerson(baseUrl = server.url): Promise<{ page: Page; requests: string[] }> {
  const { context, page } = await newPerson(browser, baseUrl);
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  page.on('websocket', (socket) => requests.push(socket.url()));
  await context.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (event) =>
      violations.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  return { page, requests };
}

async function signIn(page: Page, account: { username: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.getByTestId('login-username').fill(account.username);
  await page.getByTestId('login-password').fill(account.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('logout').waitFor();
}

/** Clicks a control that may sit behind one of the contract's openers. */
async function clickControl(page: Page, testId: string): Promise<void> {
  const control = page.getByTestId(testId);
  for (const opener of ['participants-toggle', 'security-toggle', 'chat-toggle', 'more-toggle']) {
    if (await control.isVisible()) break;
    const button = page.getByTestId(opener);
    if (await button.isVisible()) await button.click();
  }
  await control.click();
}

async function showControl(page: Page, testId: string): Promise<void> {
  const control = page.getByTestId(testId);
  for (const opener of ['security-toggle', 'chat-toggle', 'participants-toggle', 'more-toggle']) {
    if (await control.isVisible()) return;
    const button = page.getByTestId(opener);
    if (await button.isVisible()) await button.click();
  }
  await control.waitFor();
}

function tile(name: string): string {
  return `[data-testid="tile"][data-name="${name}"]`;
}

/** Every file under `dir`, recursively, with its bytes. */
async function filesUnder(dir: string): Promise<Array<{ file: string; bytes: Buffer }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  return Promise.all(files.map(async (file) => ({ file, bytes: await readFile(file) })));
}

/** Where each marker occurs in the data directory, as UTF-8 or UTF-16 (SQLite can store either). */
async function markersIn(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const { file, bytes } of await filesUnder(dataDir)) {
    for (const [what, marker] of Object.entries(MARK)) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        if (bytes.includes(Buffer.from(marker, encoding))) found.push(`${what} in ${file} (${encoding})`);
      }
    }
    // The tag alone catches a marker cut into parts or stored in another form.
    for (const encoding of ['utf8', 'utf16le'] as const) {
      if (bytes.includes(Buffer.from(tag, encoding))) found.push(`the markers' tag in ${file} (${encoding})`);
    }
  }
  return found;
}

/** Requests to anything but Parley's own origin (browser-internal schemes are fine). */
function foreign(requests: string[], baseUrl = server.url): string[] {
  const own = new URL(baseUrl);
  return requests.filter((url) => {
    const parsed = new URL(url);
    if (['data:', 'blob:', 'about:'].includes(parsed.protocol)) return false;
    return parsed.host !== own.host;
  });
}

describe('a meeting leaves no trace', () => {
  /** A server of its own, on a data directory of our own: stop() would remove its own directory. */
  let forensic: RunningServer | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-forensic-'));
    // Level trace: the most the server can ever write must still hold no marker.
    forensic = await startServer({ PARLEY_DATA_DIR: dataDir, LOG_LEVEL: 'trace' });
    await forensic.addUser(HOST.username, HOST.password, true);
  });

  afterAll(async () => {
    await forensic?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs a meeting with password and chat, ends it, and no marker is found anywhere', async () => {
    const running = forensic!;
    const host = await recordingPerson(running.url);
    const guest = await recordingPerson(running.url);

    await signIn(host.page, HOST);
    await host.page.goto(`/room/${MARK.room}`);
    await host.page.getByTestId('display-name').fill(MARK.hostName);
    await host.page.getByTestId('join').click();
    await host.page.locator(tile(MARK.hostName)).waitFor();

    await showControl(host.page, 'room-password-set');
    await host.page.getByTestId('room-password-set').fill(MARK.roomPassword);
    await host.page.getByTestId('room-password-save').click();
    await host.page.locator('[data-testid="room-password-state"][data-state="set"]').waitFor();

    await guest.page.goto(`/room/${MARK.room}`);
    await guest.page.getByTestId('display-name').fill(MARK.guestName);
    await guest.page.getByTestId('join').click();
    await guest.page.getByTestId('room-password').fill(MARK.roomPassword);
    await guest.page.getByTestId('join').click();
    await guest.page.locator(tile(MARK.hostName)).waitFor();
    await host.page.locator(tile(MARK.guestName)).waitFor();

    await showControl(guest.page, 'chat-input');
    await guest.page.getByTestId('chat-input').fill(MARK.chat);
    await guest.page.getByTestId('chat-send').click();
    await showControl(host.page, 'chat-input');
    const received = host.page.locator('[data-testid="chat-message"]', { hasText: MARK.chat });
    await received.waitFor();
    expect(await received.getAttribute('data-author')).toBe(MARK.guestName);

    await clickControl(host.page, 'end-meeting');
    await guest.page.locator(tile(MARK.hostName)).waitFor({ state: 'detached' });
    await host.page.locator(tile(MARK.guestName)).waitFor({ state: 'detached' });

    // No page requested anything from another origin, and the CSP blocked nothing the app needs.
    for (const person of [host, guest]) {
      expect(foreign(person.requests, running.url)).toEqual([]);
      expect(
        await person.page.evaluate(
          () => (window as unknown as { __cspViolations: string[] }).__cspViolations,
        ),
      ).toEqual([]);
    }
    // What the browsers keep is in the inventory too: cookies, and browser storage of any kind.
    const declared = new Set<string>(
      inventoryItems({ ipRetentionSeconds: 600, sessionLifetimeDays: 7 }).map((item) => item.id),
    );
    for (const person of [host, guest]) {
      const kept = await person.page.evaluate(async () => [
        ...Object.keys(localStorage).map((key) => `storage:${key}`),
        ...Object.keys(sessionStorage).map((key) => `storage:${key}`),
        ...(await indexedDB.databases()).map((database) => `storage:indexedDB:${database.name}`),
        ...(await caches.keys()).map((name) => `storage:cache:${name}`),
      ]);
      const cookies = (await person.page.context().cookies()).map((cookie) => `cookie:${cookie.name}`);
      expect([...kept, ...cookies].filter((id) => !declared.has(id))).toEqual([]);
    }
    expect(await host.page.evaluate(() => Object.keys(localStorage))).toContain('parley.displayName');

    await host.page.context().close();
    await guest.page.context().close();

    // While the server runs (WAL and shared-memory files present) and after it stopped.
    expect(await markersIn(dataDir)).toEqual([]);
    const listed = inventoryFiles();
    expect((await readdir(dataDir)).filter((file) => !listed.includes(file))).toEqual([]);
    await running.stop();
    expect(await markersIn(dataDir)).toEqual([]);

    const output = running.output();
    expect(output).toContain('"msg":"http"');
    for (const [what, marker] of Object.entries(MARK)) {
      expect(output.includes(marker), `${what} in the server output`).toBe(false);
    }
    expect(output).not.toContain(tag);
    // The browsers connected from 127.0.0.1: no client address in any log line (the server's own
    // start-up line names its listening address, which is not a client's).
    const logLines = output.split('\n').filter((line) => !line.startsWith('Parley is ready'));
    expect(logLines.filter((line) => line.includes('127.0.0.1'))).toEqual([]);
  });
});

describe('no third parties, and the headers that say so', () => {
  it('loads home, login, privacy and a meeting from Parley’s own origin only, with no ICE server elsewhere', async () => {
    const person = await recordingPerson();
    const { page } = person;
    await page.goto('/');
    await page.locator('main h1').waitFor();
    await page.goto('/privacy');
    await page.getByTestId('inventory-item').first().waitFor();
    await signIn(page, HOST);
    await page.goto(`/room/third-parties-${tag}`);
    await page.getByTestId('display-name').fill('Hana');
    await page.getByTestId('join').click();
    await page.locator(tile('Hana')).waitFor();
    const iceUrls = await page.evaluate(() =>
      (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.flatMap((pc) =>
        (pc.getConfiguration().iceServers ?? []).flatMap((server) =>
          Array.isArray(server.urls) ? server.urls : [server.urls],
        ),
      ),
    );
    expect(iceUrls).toEqual([]);
    // Noise suppression (on by default) loads its WebAssembly from Parley as well. (Its AudioWorklet
    // module is an asset next to it; worklet fetches do not show up as Playwright request events.)
    await waitFor(
      async () => person.requests,
      (urls) => urls.some((url) => url.endsWith('.wasm')),
      'the noise suppression WebAssembly',
    );
    // Background blur loads its segmentation model and WebAssembly runtime: from Parley, too.
    await page.getByTestId('background').selectOption('blur');
    await waitFor(
      async () => person.requests.filter((url) => /\.(tflite|wasm|binarypb)$/.test(url)).length,
      (count) => count >= 3,
      'the segmentation model, graph and runtime to load',
      30_000,
    );
    await page.getByTestId('background').selectOption('lake');
    await page.getByTestId('leave').click();
    expect(person.requests.length).toBeGreaterThan(5);
    expect(foreign(person.requests)).toEqual([]);
    expect(
      await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
    ).toEqual([]);
    // The policy lets the page compile WebAssembly but not turn text into JavaScript.
    const compiled = await page.evaluate(async () => {
      const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
      const wasm = await WebAssembly.compile(empty).then(
        () => 'compiled',
        (error: Error) => error.name,
      );
      let evaluated = 'ran';
      try {
        // biome-ignore lint/security/noGlobalEval: the point is that the browser refuses it
        eval('1 + 1');
      } catch (error) {
        evaluated = (error as Error).name;
      }
      let constructed = 'ran';
      try {
        new Function('return 1')();
      } catch (error) {
        constructed = (error as Error).name;
      }
      return { wasm, evaluated, constructed };
    });
    expect(compiled).toEqual({ wasm: 'compiled', evaluated: 'EvalError', constructed: 'EvalError' });
    // The browser reports both refusals as violations of the policy (reported asynchronously).
    const violations = await waitFor(
      () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
      (list) => list.length >= 2,
      'both eval attempts reported',
    );
    expect(violations).toEqual(['script-src eval', 'script-src eval']);
    await page.context().close();
  });

  it('sends the security headers on pages, assets and the API', async () => {
    const index = await (await fetch(`${server.url}/`)).text();
    const asset = /\/assets\/[^"]+\.js/.exec(index)?.[0];
    expect(asset).toBeDefined();
    for (const url of ['/', '/login', '/privacy', `/room/${MARK.room}`, asset!, '/api/privacy', '/healthz']) {
      const response = await fetch(`${server.url}${url}`);
      expect(response.status, url).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, url).toMatch(/(^|; )default-src 'self'(;|$)/);
      // WebAssembly may be compiled (noise suppression); JavaScript eval may not.
      expect(csp, url).toMatch(/(^|; )script-src 'self' 'wasm-unsafe-eval'(;|$)/);
      expect(csp, url).not.toContain("'unsafe-eval'");
      expect(csp, url).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
      expect(csp, url).not.toContain('unsafe-inline');
      expect(response.headers.get('referrer-policy'), url).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(response.headers.get('permissions-policy'), url).toMatch(
        /^camera=\(self\), microphone=\(self\), display-capture=\(self\)(, [a-z-]+=\(\))*$/,
      );
    }
    // No inline script in the page itself.
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

describe('the privacy page and one’s own data', () => {
  it('shows every inventory item and the JSON at /api/privacy', async () => {
    const statement = await (await fetch(`${server.url}/api/privacy`)).json();
    expect(statement.items.length).toBeGreaterThan(10);
    const { page } = await newPerson(browser, server.url);
    await page.goto('/privacy');
    await page.getByTestId('inventory-item').first().waitFor();
    expect(await page.getByTestId('inventory-item').count()).toBe(statement.items.length);
    await page.context().close();
  });

  it('lets a signed-in person download their data and delete their account', async () => {
    const { page } = await newPerson(browser, server.url);
    await signIn(page, LEAVER);
    await page.goto('/privacy');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('my-data-download').click(),
    ]);
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8'));
    expect(exported.account).toMatchObject({ username: LEAVER.username, role: 'user' });
    expect(exported.sessions).toHaveLength(1);

    await page.getByTestId('my-data-delete').click();
    await page.getByTestId('my-data-delete-confirm').click();
    await page.getByTestId('my-data-message').waitFor();
    const session = await page.evaluate(() => fetch('/api/session').then((response) => response.json()));
    expect(session.user).toBeNull();
    const login = await fetch(`${server.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(LEAVER),
    });
    expect(login.status).toBe(401);
    await page.context().close();
  });

  it('refuses, readably, to delete the last administrator', async () => {
    const { page } = await newPerson(browser, server.url);
    await signIn(page, HOST);
    await page.goto('/privacy');
    await page.getByTestId('my-data-delete').click();
    await page.getByTestId('my-data-delete-confirm').click();
    await expect.poll(() => page.getByTestId('my-data-message').textContent()).toMatch(/only administrator/);
    await page.context().close();
  });
});
