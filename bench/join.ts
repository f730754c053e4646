// Join benchmark: from the click on "join" to the first decoded frame of a remote participant's
// video, in Chromium on loopback. A host is in the room with camera on; five guests join one after
// another, each in a fresh browser profile. Prints the figures and writes bench/results/join.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launchBrowser, newPerson } from '../e2e/support/browser.js';
import { startServer } from '../e2e/support/server.js';

const RUNS = Number(process.env.BENCH_JOIN_RUNS ?? 5);

/** In the page: note the click on join, and when the host's video presents its first frame. */
const WATCH_FIRST_REMOTE_FRAME = `
  document.querySelector('[data-testid="join"]').addEventListener('click', () => {
    window.__clickAt = performance.now();
  }, { capture: true, once: true });
  new MutationObserver(() => {
    const video = document.querySelector('[data-testid="tile"][data-name="Bench Host"] video');
    if (video && !video.dataset.benchWatched) {
      video.dataset.benchWatched = '1';
      video.requestVideoFrameCallback((now) => { window.__firstFrameAt ??= now; });
    }
  }).observe(document.body, { childList: true, subtree: true, attributes: true });
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const server = await startServer({ LOG_LEVEL: 'warn' });
  const browser = await launchBrowser();
  try {
    await server.addUser('bench-host', 'bench-password-1', true);
    const room = `bench-${Date.now().toString(36)}`;
    const { page: host } = await newPerson(browser, server.url);
    await host.goto('/login');
    await host.getByTestId('login-username').fill('bench-host');
    await host.getByTestId('login-password').fill('bench-password-1');
    await host.getByTestId('login-submit').click();
    await host.getByTestId('logout').waitFor();
    await host.goto(`/room/${room}`);
    await host.getByTestId('display-name').fill('Bench Host');
    await host.getByTestId('join').click();
    await host.locator('[data-testid="tile"][data-self="true"]').waitFor();

    const samples: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { context, page } = await newPerson(browser, server.url);
      await page.goto(`/room/${room}`);
      await page.getByTestId('display-name').fill(`Guest ${run}`);
      // Let the pre-join camera preview start, as a person would see it before clicking.
      await page.locator('video').first().waitFor();
      // Plain text, not a function: tsx would wrap named functions in a helper the page lacks.
      await page.evaluate(WATCH_FIRST_REMOTE_FRAME);
      await page.getByTestId('join').click();
      const elapsed = await page.waitForFunction(
        () => {
          const w = window as unknown as { __clickAt?: number; __firstFrameAt?: number };
          return w.__firstFrameAt !== undefined && w.__clickAt !== undefined
            ? w.__firstFrameAt - w.__clickAt
            : null;
        },
        undefined,
        { timeout: 20_000, polling: 20 },
      );
      const ms = Math.round((await elapsed.jsonValue()) as number);
      samples.push(ms);
      console.log(`join ${run + 1}/${RUNS}: ${ms} ms from click to first remote frame`);
      await page.getByTestId('leave').click();
      await context.close();
    }
    const result = {
      benchmark: 'join',
      description: 'click on join → first decoded frame of a remote participant (Chromium, loopback)',
      runs: samples.length,
      samplesMs: samples,
      medianMs: median(samples),
      minMs: Math.min(...samples),
      maxMs: Math.max(...samples),
      targetMs: 500,
      date: new Date().toISOString(),
      node: process.version,
    };
    console.log(
      `join: median ${result.medianMs} ms (min ${result.minMs}, max ${result.maxMs}; target ≤ 500 ms)`,
    );
    const dir = path.join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'join.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
