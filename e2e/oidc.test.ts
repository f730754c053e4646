import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIGHT_CAPTURE_FPS, launchBrowser, newPerson } from './support/browser.js';
import { freeTcpPort, type RunningServer, startServer } from './support/server.js';

/**
 * Single sign-on from the outside: Parley started against a real OpenID Connect provider
 * (oidc-provider, packages/server/test/support/oidc-provider.mjs); a person clicks "Sign in with …",
 * signs in at the provider's login form and lands back on Parley, signed in with the role the
 * provider's group gives.
 */

const PROVIDER_SCRIPT = fileURLToPath(
  new URL('../packages/server/test/support/oidc-provider.mjs', import.meta.url),
);

let provider: ChildProcess;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  const port = await freeTcpPort();
  const redirectUri = `http://127.0.0.1:${port}/api/oidc/callback`;
  provider = spawn(process.execPath, [PROVIDER_SCRIPT], {
    env: { ...process.env, OIDC_REDIRECT_URI: redirectUri },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const issuer = await new Promise<string>((resolve, reject) => {
    provider.once('exit', (code) => reject(new Error(`the OIDC provider exited (${code})`)));
    createInterface({ input: provider.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { issuer: string }).issuer),
    );
  });
  server = await startServer({
    PORT: String(port),
    PARLEY_OIDC_ISSUER: issuer,
    PARLEY_OIDC_CLIENT_ID: 'parley',
    PARLEY_OIDC_CLIENT_SECRET: 'parley-test-secret',
    PARLEY_OIDC_NAME: 'School account',
    PARLEY_OIDC_ADMIN_CLAIM: 'groups',
    PARLEY_OIDC_ADMIN_VALUE: 'parley-admins',
  });
  browser = await launchBrowser({ captureFps: LIGHT_CAPTURE_FPS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  provider?.kill('SIGTERM');
});

describe('single sign-on with OpenID Connect', () => {
  it('signs a person in through the provider (account and role from the group), then keeps a room with lobby and E2EE, downloads its .ics and opens it', async () => {
    const { context, page } = await newPerson(browser, server.url);
    await page.goto('/login');
    const button = page.getByTestId('login-oidc');
    await button.waitFor();
    expect(await button.textContent()).toBe('Sign in with School account');
    await button.click();

    // The provider's own login form (its development interactions): any password.
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();

    await page.waitForURL(`${server.url}/`);
    const session = await page.evaluate(async () => (await fetch('/api/session')).json());
    expect(session.user).toEqual({ username: 'alice', role: 'admin' });

    // The issue's acceptance, signed in through the provider: keep a room with lobby and E2EE on,
    // download its invitation, open it and see both applied.
    const room = `sso-${Date.now().toString(36)}`;
    await page.getByTestId('kept-room-new').click();
    await page.getByTestId('kept-room-name').fill(room);
    await page.getByTestId('kept-room-lobby').check();
    await page.getByTestId('kept-room-e2ee').check();
    await page.getByTestId('kept-room-save').click();
    const row = page.locator(`[data-testid="kept-room"][data-name="${room}"]`);
    await row.getByTestId('kept-room-schedule-toggle').click();
    await row.getByTestId('kept-room-date').fill('2030-01-15');
    await row.getByTestId('kept-room-time').fill('10:00');
    await row.getByTestId('kept-room-duration').fill('30');
    await row.getByTestId('kept-room-schedule-save').click();
    const start = await row.getByTestId('kept-room-start').getAttribute('data-start');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByTestId('kept-room-ics').click(),
    ]);
    const ics = (await readFile(await download.path(), 'utf8')).replace(/\r\n[ \t]/g, '');
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
    const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    expect(ics).toContain(`DTSTART:${stamp(new Date(start!).toISOString())}`);
    expect(ics).toContain(`LOCATION:${server.url}/room/${room}`);

    await row.getByTestId('kept-room-open').click();
    await page.waitForURL(`**/room/${room}`);
    await page.getByTestId('display-name').fill('Alice');
    await page.getByTestId('join').click();
    await page.waitForSelector('[data-testid="e2ee-state"][data-state="on"]', {
      state: 'attached',
      timeout: 30_000,
    });
    const guest = await newPerson(browser, server.url);
    await guest.page.goto(`/room/${room}`);
    await guest.page.getByTestId('display-name').fill('Guest');
    await guest.page.getByTestId('join').click();
    await guest.page.getByTestId('lobby-waiting').waitFor();
    await guest.context.close();
    await context.close();
  });
});
