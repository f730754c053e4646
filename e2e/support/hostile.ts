import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { beforeAll } from 'vitest';
import type { HostileOrder, HostileRule } from '../../packages/server/test/hostile/hostile-delivery.js';
import { LIGHT_CAPTURE_FPS, launchBrowser } from './browser.js';
import { People } from './meeting.js';
import { ensureTestClient, type RunningServer, startServer } from './server.js';
import { peopleLeaveAfterTests } from './suite.js';

const root = path.resolve(import.meta.dirname, '../..');
const hook = path.join(root, 'packages/server/test/hostile/hostile-delivery.ts');

/**
 * The hook as one JavaScript file in a temporary directory (with the ts-mls client it uses to make
 * a ghost's key package), so the server loads it as fast as its own code.
 */
async function bundleHook(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = path.join(await mkdtemp(path.join(tmpdir(), 'parley-hostile-')), 'hostile-delivery.mjs');
  await build({
    entryPoints: [hook],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The test's handle on the hostile delivery service running inside the server. */
export class Attacker {
  constructor(private readonly port: number) {}

  private async order(order: HostileOrder): Promise<unknown> {
    const response = await fetch(`http://127.0.0.1:${this.port}/`, {
      method: 'POST',
      body: JSON.stringify(order),
    });
    const body = (await response.json()) as { error?: string };
    if (!response.ok) throw new Error(`attacker: ${body.error}`);
    return body;
  }

  rules(rules: HostileRule[]): Promise<unknown> {
    return this.order({ order: 'rules', rules });
  }

  inject(to: string, event: Record<string, unknown>, count = 1, intervalMs = 50): Promise<unknown> {
    return this.order({ order: 'inject', to, event, count, intervalMs });
  }

  garbageCommit(to: string): Promise<unknown> {
    return this.order({ order: 'garbage-commit', to });
  }
}

export interface HostileSuite {
  server: RunningServer;
  browser: Browser;
  people: People;
  attacker: Attacker;
  host: { username: string; password: string };
}

/**
 * Like meetingSuite, but the built server runs with the hostile delivery service loaded into it
 * (packages/server/test/hostile/hostile-delivery.ts — never part of a build), which the test drives
 * through `attacker`.
 */
export function hostileSuite(host: { username: string; password: string }): HostileSuite {
  const suite = { host } as HostileSuite;
  let bundle: string | null = null;
  beforeAll(async () => {
    const port = await freePort();
    bundle = await bundleHook();
    suite.server = await startServer({
      // The test build of the app: its frame tap shows what the worker let through.
      PARLEY_WEB_ROOT: await ensureTestClient(),
      PARLEY_HOSTILE_CONTROL_PORT: String(port),
      NODE_OPTIONS: `--import ${pathToFileURL(bundle).href}`,
    });
    suite.attacker = new Attacker(port);
    await suite.server.addUser(host.username, host.password, true);
    suite.browser = await launchBrowser({ captureFps: LIGHT_CAPTURE_FPS });
    suite.people = new People(suite.browser, suite.server);
  });
  peopleLeaveAfterTests(suite, {
    beforeLeaving: async () => {
      await suite.attacker?.rules([]).catch(() => undefined);
    },
    afterStopping: async () => {
      if (bundle) await rm(path.dirname(bundle), { recursive: true, force: true });
    },
  });
  return suite;
}
