import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fakeMedia } from './fake-media.js';
import { startTestServer } from './harness.js';

let dir: string;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  server = await startTestServer(() => fakeMedia().media, { PARLEY_TLS_CERT: cert, PARLEY_TLS_KEY: key });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function get(url: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    })
      .on('error', reject)
      .end();
  });
}

describe('with PARLEY_TLS_CERT and PARLEY_TLS_KEY', () => {
  it('serves HTTPS and WSS itself, with HSTS', async () => {
    expect(server.url.startsWith('https://')).toBe(true);
    const health = await get(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toMatch(/max-age/);
    const socket = new WebSocket(server.wsUrl, { rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.close();
  });
});
