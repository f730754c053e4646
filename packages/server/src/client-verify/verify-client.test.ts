import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { registerPages } from '../http/pages.js';
import { buildCommit, hashTree } from './client-build.js';
import { referencedFiles, runVerifyClient } from './verify-client.js';

/**
 * `parley verify-client` against Parley's own page serving (http/pages.ts) on loopback: a server
 * built from HEAD passes a check that builds HEAD again in another directory (so the build is
 * reproducible), and one changed byte in one served asset fails the check, naming that file.
 */

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

async function verify(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (text: string) => (out += text) };
  const code = await runVerifyClient({ argv, stdout: sink, stderr: sink });
  return { code, out };
}

describe('verify-client', () => {
  it('finds the assets index.html loads', () => {
    expect(
      referencedFiles(
        '<script type="module" crossorigin src="/assets/index-A1.js"></script><link rel="icon" href="/favicon.svg"><a href="https://x.org/y">',
      ),
    ).toEqual(['assets/index-A1.js', 'favicon.svg']);
    expect(referencedFiles('<script src="/../etc/passwd"></script>')).toEqual([]);
  });

  it('passes for a server built from the same commit and names a tampered asset', {
    timeout: 300_000,
  }, async () => {
    const built = await buildCommit('HEAD');
    cleanup.push(() => built.dispose());
    const served = path.join(tmpdir(), `parley-served-${process.pid}`);
    cleanup.push(() => rm(served, { recursive: true, force: true }));
    await cp(built.dir, served, { recursive: true });
    const app = Fastify();
    await registerPages(app, {
      webRoot: served,
      setupNeeded: async () => false,
      adminAccess: async () => 'sign-in',
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      // Another directory, the same commit: every byte the same (the check builds HEAD itself).
      const same = await verify([url, '--commit', 'HEAD']);
      expect(same.out).toContain(`commit ${built.commit}`);
      expect(same.code, same.out).toBe(0);
      expect(same.out).toMatch(/✓ all \d+ files match/);
      const files = await hashTree(built.dir);
      // The production build carries no trace of the E2EE frame tap of the test build.
      for (const file of files.keys()) {
        const text = await readFile(path.join(built.dir, file), 'utf8');
        for (const trace of [
          'parley-e2ee-test-tap',
          '__parleyE2eeTap',
          'sentPlaintext',
          'WorkerTap',
          'test-tap',
        ])
          expect(text.includes(trace), `${trace} in ${file}`).toBe(false);
      }
      expect(files.get('client-manifest.json')).toBeDefined();
      expect([...files.keys()].some((file) => file.startsWith('assets/worker-'))).toBe(true);

      // The operator changes one byte of the E2EE worker.
      const worker = (await readdir(path.join(served, 'assets'))).find(
        (file) => file.startsWith('worker-') && file.endsWith('.js'),
      ) as string;
      await writeFile(path.join(served, 'assets', worker), '/* exfiltrate */', { flag: 'a' });
      const tampered = await verify([url, '--build', built.dir]);
      expect(tampered.code).toBe(1);
      expect(tampered.out).toContain(`DIFFERENT assets/${worker}`);
      expect(tampered.out).toMatch(/✗ 1 of \d+ files do not match/);
    } finally {
      await app.close();
    }
  });

  it('refuses bad arguments', async () => {
    expect((await verify([])).code).toBe(1);
    expect((await verify(['ftp://x'])).code).toBe(1);
    expect((await verify(['http://127.0.0.1:1', '--commit'])).code).toBe(1);
  });
});
