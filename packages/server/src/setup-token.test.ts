import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The built server as operators start it: while no account exists it prints a one-time setup token on
 * its console (never into the log), and /api/setup takes only that token. Skipped without a build.
 */
const main = path.resolve(import.meta.dirname, '../dist/main.js');
let child: ChildProcess | null = null;
let tmp = '';

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  child = null;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function start(): Promise<{ port: number; output: () => string; token: string }> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-setup-token-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      PARLEY_DATA_DIR: path.join(tmp, 'data'),
      PORT: String(port),
      PARLEY_RTC_PORT: String(port + 1),
      PARLEY_MEDIA_WORKERS: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no setup token printed:\n${output}`)), 20_000);
    const check = () => {
      const match = /one-time setup token: ([A-Za-z0-9_-]+)\)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child?.stdout?.off('data', check);
      resolve({ port, output: () => output, token: match[1] });
    };
    child?.stdout?.on('data', check);
    child?.once('exit', (code) => reject(new Error(`server exited ${code}:\n${output}`)));
  });
}

describe.skipIf(!fs.existsSync(main))('first start without an account', () => {
  it('prints a one-time setup token on the console, never in a log line, and /api/setup takes only it', async () => {
    const { port, output, token } = await start();
    const setup = (setupToken: string, username: string) =>
      fetch(`http://127.0.0.1:${port}/api/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'a long enough password', setupToken }),
      });
    const wrong = await setup('not-the-token', 'mallory');
    expect(wrong.status).toBe(403);
    const right = await setup(token, 'operator');
    expect(right.status).toBe(201);
    // The token is on the console line only: no JSON log line carries it.
    const logLines = output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(token))).toEqual([]);
  });
});
