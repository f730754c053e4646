import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The built command line, as operators and the acceptance tests run it (`npm run parley -- …`).
 * dist/ is built by `npm ci` (root `prepare` script) or `npm run build:server`; without a build this
 * test is skipped rather than building in the middle of the unit run.
 */
const cli = path.resolve(import.meta.dirname, '../dist/cli.js');

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-bin-'));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function parley(args: string[], options: { password?: string; input?: string } = {}) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PARLEY_DATA_DIR: path.join(tmp, 'data') };
  if (options.password !== undefined) env.PARLEY_PASSWORD = options.password;
  return spawnSync(process.execPath, [cli, ...args], {
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 15_000,
  });
}

// Six node processes one after the other, each ≈ 1 s on a quiet machine (node start, the store, scrypt):
// on a loaded one (CI with three test workers) they took 17–24 s together, past vitest's default 20 s.
const SIX_RUNS_MS = 90_000;

describe.skipIf(!fs.existsSync(cli))('dist/cli.js', { timeout: SIX_RUNS_MS }, () => {
  it('adds (env and piped stdin), lists and deletes users, exiting 0 or 1', () => {
    const admin = parley(['user', 'add', 'root', '--admin'], { password: 'correct horse' });
    expect({ status: admin.status, stdout: admin.stdout, stderr: admin.stderr }).toEqual({
      status: 0,
      stdout: 'Added administrator "root".\n',
      stderr: '',
    });
    const piped = parley(['user', 'add', 'guest'], { input: 'battery staple\n' });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe('Added user "guest".\n');

    const list = parley(['user', 'list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(
      /^USERNAME +ROLE +CREATED\nguest +user +\d{4}-\d\d-\d\d\nroot +admin +\d{4}-\d\d-\d\d\n$/,
    );

    const duplicate = parley(['user', 'add', 'root'], { password: 'correct horse' });
    expect({ status: duplicate.status, stderr: duplicate.stderr }).toEqual({
      status: 1,
      stderr: 'parley: user "root" already exists.\n',
    });

    expect(parley(['user', 'delete', 'guest']).stdout).toBe(
      'Deleted user "guest" and ended their sessions.\n',
    );
    const missing = parley(['user', 'delete', 'guest']);
    expect({ status: missing.status, stderr: missing.stderr }).toEqual({
      status: 1,
      stderr: 'parley: no such user "guest".\n',
    });
    expect(fs.statSync(path.join(tmp, 'data')).mode & 0o777).toBe(0o700);
  });

  it('prints its help', () => {
    const help = parley(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('user delete <username>');
  });
});
