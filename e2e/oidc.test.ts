import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson } from './support/browser.js';
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
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  provider?.kill('SIGTERM');
});

describe('single sign-on with OpenID Connect', () => {
  it('signs a person in through the provider and creates their account with the role from the group', async () => {
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
    await context.close();
  });
});
