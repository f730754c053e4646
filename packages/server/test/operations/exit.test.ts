import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MediaBot } from '@parley/media-bot';
import { afterAll, describe, expect, it } from 'vitest';
import { cameraPackets, mediaParticipant } from '../support/media-participant.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue #13, point 10: the built server, as `npm start` runs it, stops with status 0 on SIGTERM and
 * SIGINT while media workers carry a meeting, and with status 1 and a readable message (not by a
 * signal: it aborted with SIGABRT, status 134) when it cannot start.
 */
const root = path.resolve(import.meta.dirname, '../../../..');
const main = path.join(root, 'packages/server/dist/main.js');
const cli = path.join(root, 'packages/server/dist/cli.js');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await MediaBot.releaseNative();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server: Server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function start(env: Record<string, string>): Started {
  if (!existsSync(main))
    throw new Error('packages/server/dist is missing: run `npm run build:server` first.');
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, LOG_LEVEL: 'warn', PARLEY_MEDIA_WORKERS: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (data) => (output += data));
  child.stderr!.on('data', (data) => (output += data));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exit };
}

/** A data directory with an administrator, whose cookie opens meetings. */
function dataDirWithHost(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-exit-'));
  dirs.push(dir);
  const added = spawnSync(process.execPath, [cli, 'user', 'add', 'host', '--admin'], {
    env: { ...process.env, PARLEY_DATA_DIR: dir, PARLEY_PASSWORD: 'a password of length' },
    encoding: 'utf8',
  });
  expect(added.status).toBe(0);
  return dir;
}

async function meetingThenStop(signal: NodeJS.Signals) {
  const port = await freePort();
  const rtcPort = 20000 + 2 * Math.floor(Math.random() * 6000);
  const server = start({
    PORT: String(port),
    PARLEY_RTC_PORT: String(rtcPort),
    PARLEY_DATA_DIR: dataDirWithHost(),
  });
  try {
    await waitFor('the server to be ready', () => server.output().includes('Parley is ready'), {
      timeoutMs: 15_000,
    });
    const login = await fetch(`http://127.0.0.1:${port}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'host', password: 'a password of length' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const wsUrl = `ws://127.0.0.1:${port}/ws`;
    const a = await mediaParticipant(wsUrl, 'exit-room', 'Ada', cookie);
    const b = await mediaParticipant(wsUrl, 'exit-room', 'Bob');
    await waitFor('media both ways', () => cameraPackets(a, b) > 20 && cameraPackets(b, a) > 20, {
      timeoutMs: 10_000,
    });
    // Stop while the meeting runs: its connections are open in the workers.
    server.child.kill(signal);
    const exit = await server.exit;
    for (const p of [a, b]) await p.bot?.close();
    for (const p of [a, b]) await p.client.close();
    return { ...exit, output: server.output() };
  } finally {
    server.child.kill('SIGKILL');
  }
}

describe('the server process', () => {
  it('exits 0 on SIGTERM while media workers carry a meeting', async () => {
    const result = await meetingThenStop('SIGTERM');
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(result.output).not.toMatch(/Aborted|terminate called/);
  }, 40_000);

  it('exits 0 on SIGINT while media workers carry a meeting', async () => {
    const result = await meetingThenStop('SIGINT');
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
  }, 40_000);

  it('exits 1 with a readable message when its HTTP port is taken', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'parley-exit-'));
      dirs.push(dir);
      const rtcPort = 20000 + 2 * Math.floor(Math.random() * 6000);
      const server = start({ PORT: String(port), PARLEY_RTC_PORT: String(rtcPort), PARLEY_DATA_DIR: dir });
      const exit = await server.exit;
      expect(exit).toEqual({ code: 1, signal: null });
      expect(server.output()).toContain(
        `parley: failed to start: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
      expect(server.output()).not.toMatch(/Aborted|terminate called/);
    } finally {
      taken.close();
    }
  }, 30_000);
});
