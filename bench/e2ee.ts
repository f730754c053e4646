// E2EE benchmark (issue 5): per-frame encryption cost (WebCrypto, Node), MLS rekey time for a join
// into a 50-member group (ts-mls, Node), and the time from pressing `e2ee-toggle` until every
// browser shows `data-state="on"` for 2, 5 and 10 Chromium pages. Prints the figures and writes
// bench/results/e2ee.json. BENCH_E2EE_SIZES=2,5 limits the browser runs.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { launchBrowser, newPerson } from '../e2e/support/browser.js';
import { startServer } from '../e2e/support/server.js';
import { MlsMember } from '../packages/web/src/e2ee/mls-member.js';
import { decryptFrame, deriveFrameKey, encryptFrame, keyId } from '../packages/web/src/e2ee/sframe.js';

/** A typical frame's sender and source (they go into the AAD; their length barely changes the cost). */
const CONTEXT = { sender: '2f6c1c1e-5d1f-4a6e-9a4b-1f0e2d3c4b5a', source: 'camera' } as const;

const SIZES = (process.env.BENCH_E2EE_SIZES ?? '2,5,10').split(',').map(Number);

async function frameCost(
  bytes: number,
  iterations = 2000,
): Promise<{ encryptUs: number; decryptUs: number }> {
  const kid = keyId(1, 1);
  const key = await deriveFrameKey(new Uint8Array(16).fill(1), kid);
  const frame = new Uint8Array(bytes).map((_, i) => i & 0xff);
  const sealed: Uint8Array[] = [];
  let start = performance.now();
  for (let i = 0; i < iterations; i++) sealed.push(await encryptFrame(frame, 1, key, kid, i, CONTEXT));
  const encryptUs = ((performance.now() - start) * 1000) / iterations;
  start = performance.now();
  for (const s of sealed) await decryptFrame(s, () => key, CONTEXT);
  const decryptUs = ((performance.now() - start) * 1000) / iterations;
  return { encryptUs: Math.round(encryptUs), decryptUs: Math.round(decryptUs) };
}

/** A 50-member group; then one more joins: the committer's commit, a member's processing, the joiner's welcome. */
async function rekey50(): Promise<{ commitMs: number; applyMs: number; welcomeMs: number }> {
  const members = Array.from({ length: 50 }, (_, i) => new MlsMember(`m${i}`));
  const packages = await Promise.all(members.map((m) => m.createKeyPackage()));
  const [creator, other] = members as [MlsMember, MlsMember];
  await creator.createGroup({ off: ['m0'] });
  const first = await creator.commit(
    members
      .slice(1)
      .map((m, i) => ({ participantId: m.participantId, keyPackage: packages[i + 1] as string })),
    [],
  );
  first.apply();
  await other.join(first.welcome as string);
  const joiner = new MlsMember('joiner');
  const keyPackage = await joiner.createKeyPackage();
  let start = performance.now();
  const add = await creator.commit([{ participantId: 'joiner', keyPackage }], []);
  add.apply();
  const commitMs = performance.now() - start;
  start = performance.now();
  await other.applyCommit(add.commit as string);
  const applyMs = performance.now() - start;
  start = performance.now();
  await joiner.join(add.welcome as string);
  const welcomeMs = performance.now() - start;
  const round = (n: number) => Math.round(n);
  return { commitMs: round(commitMs), applyMs: round(applyMs), welcomeMs: round(welcomeMs) };
}

async function toggleToOn(count: number): Promise<number> {
  const server = await startServer({ LOG_LEVEL: 'warn' });
  const browser = await launchBrowser();
  try {
    await server.addUser('bench-host', 'bench-password-1', true);
    const room = `bench-e2ee-${Date.now().toString(36)}`;
    const pages: Page[] = [];
    for (let i = 0; i < count; i++) {
      const { page } = await newPerson(browser, server.url);
      if (i === 0) {
        await page.goto('/login');
        await page.getByTestId('login-username').fill('bench-host');
        await page.getByTestId('login-password').fill('bench-password-1');
        await page.getByTestId('login-submit').click();
        await page.getByTestId('logout').waitFor();
      }
      await page.goto(`/room/${room}`);
      await page.getByTestId('display-name').fill(`Bench ${i}`);
      // Cameras off: the figure is about key agreement, and ten encoders would swamp two cores.
      const camera = page.getByTestId('toggle-camera');
      if ((await camera.getAttribute('data-state')) === 'on') await camera.click();
      await page.getByTestId('join').click();
      await page.getByTestId('e2ee-toggle').waitFor();
      pages.push(page);
    }
    for (const page of pages)
      await page
        .locator('[data-testid="tile"]')
        .nth(count - 1)
        .waitFor();
    const start = performance.now();
    await pages[count - 1]?.getByTestId('e2ee-toggle').click();
    await Promise.all(
      pages.map((page) =>
        page.locator('[data-testid="e2ee-state"][data-state="on"]').waitFor({ timeout: 60_000 }),
      ),
    );
    return Math.round(performance.now() - start);
  } finally {
    await browser.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const frames = {
    audio120B: await frameCost(120),
    video1200B: await frameCost(1200),
    video20KB: await frameCost(20_000, 500),
  };
  console.log('per-frame AES-GCM (µs, Node WebCrypto):', JSON.stringify(frames));
  const rekey = await rekey50();
  console.log('join into a 50-member group (ms):', JSON.stringify(rekey));
  const toggle: Record<string, number> = {};
  for (const size of SIZES) {
    toggle[`${size} browsers`] = await toggleToOn(size);
    console.log(`toggle to on, ${size} browsers: ${toggle[`${size} browsers`]} ms`);
  }
  const results = { measuredAt: new Date().toISOString(), frames, rekey50: rekey, toggleToOnMs: toggle };
  const dir = path.join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'e2ee.json'), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
