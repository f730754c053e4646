// Background blur benchmark (issue #15): frames per second the background effect sends and the CPU
// the browser uses, with the effect off and with blur, at 640×360 and 1280×720 camera pictures
// (Chromium's fake camera, on the pre-join screen's live preview: segmentation, painting and the
// preview, without encoding). CPU is the time of every browser process, as a share of one core.
// Prints the figures and writes bench/results/background.json.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, newPerson } from '../e2e/support/browser.js';
import { ensureTestClient, startServer } from '../e2e/support/server.js';

const SIZES = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
];
const MEASURE_MS = 10_000;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU ticks (user + system) of every process descending from this one: the browser's. */
function browserTicks(): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended meanwhile.
    }
  }
  let total = 0;
  for (const [pid, own] of ticks) {
    let parent = parents.get(pid);
    while (parent !== undefined && parent > 1 && parent !== process.pid) parent = parents.get(parent);
    if (parent === process.pid && pid !== process.pid) total += own;
  }
  return total;
}

interface Stats {
  fps: number;
  frames: number;
  width: number;
  height: number;
  scale: number;
  segmentMs: number;
  paintMs: number;
  path: string;
}

async function measure(page: Page, effect: 'off' | 'blur') {
  if (effect === 'blur') {
    await page.getByTestId('background').selectOption('blur');
    // Wait for the processor to run (the model loads once) and warm up.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const stats = await page.evaluate(() =>
        (window as unknown as { __parleyBackground: () => Stats | null }).__parleyBackground(),
      );
      if (stats && stats.frames > 30) break;
      await page.waitForTimeout(250);
    }
  } else {
    await page.waitForTimeout(3000);
  }
  const read = () =>
    page.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>('.tile--preview video');
      return {
        shown: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
        stats: (window as unknown as { __parleyBackground: () => Stats | null }).__parleyBackground(),
      };
    });
  const before = await read();
  const ticksBefore = browserTicks();
  const started = Date.now();
  await page.waitForTimeout(MEASURE_MS);
  const after = await read();
  const seconds = (Date.now() - started) / 1000;
  const cpu = (browserTicks() - ticksBefore) / TICKS_PER_SECOND / seconds;
  const sent =
    after.stats && before.stats
      ? Math.round(((after.stats.frames - before.stats.frames) / seconds) * 10) / 10
      : null;
  return {
    effect,
    previewFps: Math.round(((after.shown - before.shown) / seconds) * 10) / 10,
    effectFps: sent,
    browserCpuPercentOfOneCore: Math.round(cpu * 100),
    processing: after.stats,
  };
}

async function main(): Promise<void> {
  const server = await startServer({ PARLEY_WEB_ROOT: await ensureTestClient() });
  const browser = await launchBrowser();
  const results = [];
  try {
    for (const size of SIZES) {
      for (const effect of ['off', 'blur'] as const) {
        const { context, page } = await newPerson(browser, server.url);
        // The camera at this size (Chromium's fake camera scales to what is asked).
        await context.addInitScript((wanted) => {
          const media = navigator.mediaDevices;
          const original = media.getUserMedia.bind(media);
          media.getUserMedia = (constraints) =>
            original(
              constraints?.video
                ? {
                    ...constraints,
                    video: { width: { exact: wanted.width }, height: { exact: wanted.height } },
                  }
                : constraints,
            );
        }, size);
        await page.goto('/room/background-bench');
        await page.locator('.tile--preview video').waitFor();
        const result = { camera: `${size.width}×${size.height}`, ...(await measure(page, effect)) };
        console.log(JSON.stringify(result));
        results.push(result);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const out = path.join(import.meta.dirname, 'results', 'background.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

await main();
