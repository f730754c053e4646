import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMedia } from './fake-media.js';
import { startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer(() => fakeMedia().media);
});
afterAll(async () => {
  await server.close();
});

describe('pages', () => {
  it('serves the app for every page path, with a strict CSP and no referrer', async () => {
    for (const path of ['/', '/login', '/privacy', '/room/some-room_1']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect((await fetch(`${server.url}/nothing-here`)).status).toBe(404);
  });

  it('offers /setup only while no account exists', async () => {
    expect((await fetch(`${server.url}/setup`)).status).toBe(200);
    expect(
      ((await (await fetch(`${server.url}/api/session`)).json()) as { setupNeeded: boolean }).setupNeeded,
    ).toBe(true);
    await server.accounts.createUser('first-admin', 'a long enough password', 'admin');
    expect((await fetch(`${server.url}/setup`)).status).toBe(404);
    expect(
      ((await (await fetch(`${server.url}/api/session`)).json()) as { setupNeeded: boolean }).setupNeeded,
    ).toBe(false);
  });
});
