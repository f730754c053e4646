// Quality benchmark: what a subscriber sees when the network misbehaves. One publisher (Chromium's
// fake 720p camera, three simulcast layers) and two subscribers in one Chromium, every page reaching
// the SFU through a userspace UDP relay on loopback (packages/media-bot/src/shaping-udp-relay.ts). The run goes
// through phases on one meeting — clean baseline; 5 % random loss of RTP packets each way for every
// page; clean again; one subscriber's downlink capped at 300 kbit/s while the other runs at full rate;
// cap lifted — and reads getStats() in every page every 200 ms. Per subscriber and phase: frames
// decoded per second, freezes per minute (webrtc-stats freezeCount), packets lost, NACKs and PLIs sent,
// picture heights and layer switches; per change of the network: time until the subscriber decodes at
// ≥ 90 % of the publisher's frame rate again, and after the cap is lifted, until it is back at 720p.
// Prints a table and writes bench/results/quality.json. docs/performance.md explains the figures.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ShapingUdpRelay } from '@parley/media-bot';
import type { Page } from 'playwright-core';
import { launchBrowser, waitFor } from '../e2e/support/browser.js';
import { enter, People, tile } from '../e2e/support/meeting.js';
import { tileVideoStats } from '../e2e/support/rtc-stats.js';
import { startServer } from '../e2e/support/server.js';
import { connectionUfrags } from '../e2e/support/shaping.js';
import {
  FULL_RATE_SHARE,
  HOLD_MS,
  heightTimeline,
  type PhaseFigures,
  phaseFigures,
  RATE_WINDOW_MS,
  ratePerSecond,
  timeToFullRate,
  timeToHeight,
  timeToHeldHeight,
} from './quality/analysis.js';
import { collectSamples, type OutboundLayer, type Sample, startSampling } from './quality/page-sampler.js';

const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1000;
const BASELINE_MS = seconds('BENCH_QUALITY_BASELINE_S', 20);
const LOSS_MS = seconds('BENCH_QUALITY_LOSS_S', 30);
/** After the loss: at least the first, then until both subscribers are back at 720p, at most the second. */
const AFTER_LOSS_MIN_MS = seconds('BENCH_QUALITY_AFTER_LOSS_MIN_S', 6);
const AFTER_LOSS_MAX_MS = seconds('BENCH_QUALITY_AFTER_LOSS_MAX_S', 16);
/** Before the baseline: at least this long after the last subscriber joined, then until both are at 720p (≤ WARMUP_MAX_MS). */
const WARMUP_MIN_MS = seconds('BENCH_QUALITY_WARMUP_S', 6);
const WARMUP_MAX_MS = 14_000;
const CAP_MS = seconds('BENCH_QUALITY_CAP_S', 30);
/** After the cap is lifted: until the capped subscriber is back at 720p (and a little more), at most this. */
const AFTER_CAP_MAX_MS = seconds('BENCH_QUALITY_AFTER_CAP_S', 25);
const SAMPLE_MS = 200;
const LOSS_RATE = 0.05;
const CAP_BITS_PER_SECOND = 300_000;
const TOP_HEIGHT = 720;

const HOST = { username: 'bench-quality-host', password: 'bench-password-1' };
const HOST_NAME = 'Bench Host';
const SUBSCRIBERS = [
  { key: 'full_rate', name: 'Full Rate', capped: false },
  { key: 'capped', name: 'Capped', capped: true },
] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The publisher's layers over [from, to]: height and frames encoded per second, top first. */
function publisherLayers(samples: readonly Sample[], from: number, to: number) {
  const last = samples.filter((s) => s.t <= to).at(-1);
  const rate = (ssrc: number, read: (l: OutboundLayer) => number) =>
    ratePerSecond(samples, from, to, (s) => {
      const layer = s.outbound.find((l) => l.ssrc === ssrc);
      return layer && read(layer);
    }) ?? 0;
  return (last?.outbound ?? [])
    .map((layer) => ({
      height: layer.frameHeight,
      fps: Math.round(rate(layer.ssrc, (l) => l.framesEncoded) * 10) / 10,
      kbit_per_s: Math.round((rate(layer.ssrc, (l) => l.bytesSent) * 8) / 1000),
      quality_limitation_at_end: layer.qualityLimitationReason,
    }))
    .sort((a, b) => b.height - a.height);
}

/** Waits until every page shows the publisher's top layer; false if not within `timeoutMs`. */
async function allAtTop(pages: Iterable<Page>, tileSelector: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (const page of pages) {
    const reached = await waitFor(
      () => tileVideoStats(page, tileSelector),
      (stats) => stats?.frameHeight === TOP_HEIGHT,
      `${TOP_HEIGHT}p at a subscriber`,
      Math.max(0, deadline - Date.now()),
    ).then(
      () => true,
      () => false,
    );
    if (!reached) return false;
  }
  return true;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  const began = Date.now();
  // Every page reaches the SFU through the relay (PARLEY_PUBLIC_IP is the relay's address); loss and
  // the cap are switched on it while the meeting runs.
  const relay = await ShapingUdpRelay.open('127.0.0.5');
  const server = await startServer({
    PARLEY_PUBLIC_IP: '127.0.0.5',
    PARLEY_RTC_PORT: String(relay.port),
    // One media worker thread, as in production (the relay forwards its one port).
    PARLEY_MEDIA_WORKERS: '1',
    LOG_LEVEL: 'warn',
  });
  const browser = await launchBrowser();
  try {
    await server.addUser(HOST.username, HOST.password, true);
    const people = new People(browser, server);
    const room = `quality-${Date.now().toString(36)}`;
    const host = await people.open();
    await people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, HOST_NAME);
    const hostTile = tile(HOST_NAME);
    const pages = new Map<string, Page>();
    for (const subscriber of SUBSCRIBERS) {
      const page = await people.open();
      // Large enough a tile for the top layer.
      await page.setViewportSize({ width: 1600, height: 1000 });
      await enter(page, room, subscriber.name, { camera: false });
      await page.locator(hostTile).waitFor();
      pages.set(subscriber.key, page);
    }
    const cappedPage = pages.get('capped')!;
    const cappedUfrags = await connectionUfrags(cappedPage, 'the capped subscriber');

    await startSampling(host, null, SAMPLE_MS);
    for (const page of pages.values()) await startSampling(page, hostTile, SAMPLE_MS);
    // Warm-up: both subscribers on the top layer (Chromium ramps its layers up over some seconds).
    const warmupStart = Date.now();
    await sleep(WARMUP_MIN_MS);
    const warmedUp = await allAtTop(pages.values(), hostTile, WARMUP_MAX_MS);
    const warmupMs = Date.now() - warmupStart;
    console.log(
      `warm-up: ${warmedUp ? `both subscribers at ${TOP_HEIGHT}p` : `NOT both at ${TOP_HEIGHT}p`} after ${warmupMs} ms`,
    );

    const t = { baseline: Date.now(), lossOn: 0, lossOff: 0, capOn: 0, capLifted: 0, end: 0 };
    console.log(`baseline ${BASELINE_MS / 1000} s`);
    await sleep(BASELINE_MS);
    t.lossOn = Date.now();
    relay.setLoss(LOSS_RATE, LOSS_RATE);
    console.log(`${LOSS_RATE * 100} % loss each way, ${LOSS_MS / 1000} s`);
    await sleep(LOSS_MS);
    t.lossOff = Date.now();
    relay.setLoss(0, 0);
    console.log(
      `clean, until both subscribers are at ${TOP_HEIGHT}p (${AFTER_LOSS_MIN_MS / 1000}–${AFTER_LOSS_MAX_MS / 1000} s)`,
    );
    await sleep(AFTER_LOSS_MIN_MS);
    const backAfterLoss = await allAtTop(
      pages.values(),
      hostTile,
      t.lossOff + AFTER_LOSS_MAX_MS - Date.now(),
    );
    t.capOn = Date.now();
    relay.cap(cappedUfrags, CAP_BITS_PER_SECOND);
    console.log(`capped subscriber at ${CAP_BITS_PER_SECOND / 1000} kbit/s, ${CAP_MS / 1000} s`);
    await sleep(CAP_MS);
    t.capLifted = Date.now();
    relay.uncap(cappedUfrags);
    console.log(
      `cap lifted, until the capped subscriber is back at ${TOP_HEIGHT}p (≤ ${AFTER_CAP_MAX_MS / 1000} s)`,
    );
    // Until the capped subscriber has stayed at the top layer for HOLD_MS (or the time is up), then
    // long enough for the frame-rate test (one window + hold).
    let topSince = Number.NaN;
    await waitFor(
      () => tileVideoStats(cappedPage, hostTile),
      (stats) => {
        if (stats?.frameHeight !== TOP_HEIGHT) topSince = Number.NaN;
        else if (Number.isNaN(topSince)) topSince = Date.now();
        return Date.now() - topSince >= HOLD_MS;
      },
      `${TOP_HEIGHT}p held after the cap`,
      AFTER_CAP_MAX_MS,
    ).catch(() => undefined);
    const remaining = t.capLifted + AFTER_CAP_MAX_MS - Date.now();
    await sleep(Math.max(0, Math.min(remaining, RATE_WINDOW_MS + HOLD_MS)));
    t.end = Date.now();
    // One more reading in every page beyond the end.
    await sleep(2 * SAMPLE_MS);

    const publisher = await collectSamples(host);
    const samples = new Map<string, Sample[]>();
    for (const [key, page] of pages) samples.set(key, await collectSamples(page));
    const freezeStats = [...samples.values()].some((list) =>
      list.some((s) => s.inbound && Number.isFinite(s.inbound.freezeCount)),
    );

    const phases = {
      baseline: [t.baseline, t.lossOn],
      loss: [t.lossOn, t.lossOff],
      after_loss: [t.lossOff, t.capOn],
      capped: [t.capOn, t.capLifted],
      after_cap: [t.capLifted, t.end],
    } as const;
    const subscribers = SUBSCRIBERS.map(({ key, capped }) => {
      const mine = samples.get(key)!;
      const figures = Object.fromEntries(
        Object.entries(phases).map(([phase, [from, to]]) => [phase, phaseFigures(mine, publisher, from, to)]),
      ) as Record<keyof typeof phases, PhaseFigures>;
      return {
        subscriber: key,
        downlink_capped: capped,
        phases: figures,
        time_to_recover_ms: {
          loss_on: timeToFullRate(mine, publisher, t.lossOn, t.lossOff),
          loss_off: timeToFullRate(mine, publisher, t.lossOff, t.capOn),
          loss_off_to_720p: timeToHeight(mine, TOP_HEIGHT, t.lossOff, t.capOn),
          loss_off_to_720p_held: timeToHeldHeight(mine, TOP_HEIGHT, t.lossOff, t.capOn),
          cap_on: timeToFullRate(mine, publisher, t.capOn, t.capLifted),
          cap_lifted: timeToFullRate(mine, publisher, t.capLifted, t.end),
          cap_lifted_to_720p: timeToHeight(mine, TOP_HEIGHT, t.capLifted, t.end),
          cap_lifted_to_720p_held: timeToHeldHeight(mine, TOP_HEIGHT, t.capLifted, t.end),
        },
        height_timeline: heightTimeline(mine, t.baseline),
        samples: mine.length,
      };
    });

    const result = {
      benchmark: 'quality',
      description:
        'per subscriber: freezes per minute and time to recover under 5 % loss each way and a 300 kbit/s downlink cap (Chromium, loopback through a userspace relay)',
      date: new Date().toISOString(),
      node: process.version,
      chromium: browser.version(),
      cpus: os.cpus().length,
      load_average_before: loadBefore.map((x) => Math.round(x * 10) / 10),
      load_average_after: os.loadavg().map((x) => Math.round(x * 10) / 10),
      run_seconds: Math.round((Date.now() - began) / 1000),
      warmed_up: warmedUp,
      warmup_ms: warmupMs,
      both_at_720p_before_the_cap: backAfterLoss,
      method: {
        pages:
          'one Chromium: publisher (signed-in host, fake 1280×720 camera, VP8 simulcast) and two subscribers (camera off, viewport 1600×1000), each in its own browser context',
        network:
          'every page reaches the SFU (one server, media on its main thread) through ShapingUdpRelay on 127.0.0.5; STUN, DTLS and RTCP are never dropped',
        loss: `${LOSS_RATE * 100} % of RTP packets dropped at random (seeded), towards every page and towards the SFU`,
        cap: `${CAP_BITS_PER_SECOND / 1000} kbit/s token bucket behind a 150 ms tail-drop queue on the capped subscriber's downlink (both its connections, by ICE ufrag)`,
        phases_s: Object.fromEntries(
          Object.entries(phases).map(([phase, [from, to]]) => [phase, Math.round((to - from) / 100) / 10]),
        ),
        sampling: `getStats() in each page every ${SAMPLE_MS} ms (inbound-rtp of the video in the publisher's tile; outbound-rtp layers of the publisher)`,
        freeze: freezeStats
          ? "Chromium's inbound-rtp freezeCount/totalFreezesDuration (webrtc-stats: a gap between rendered frames longer than max(3 × mean frame duration, mean + 150 ms)); longest_gap_without_decoded_frame_ms from the readings as a cross-check"
          : 'Chromium exposed no freezeCount: freezes not counted; see longest_gap_without_decoded_frame_ms',
        time_to_recover: `from the change of the network until the subscriber decodes ≥ ${FULL_RATE_SHARE * 100} % of the frames the publisher encodes on the layer it receives, over every ${RATE_WINDOW_MS} ms window starting in the next ${HOLD_MS} ms (0: it never fell below; null: not before the next change); loss_off_to_720p and cap_lifted_to_720p: until its first reading at ${TOP_HEIGHT} lines; …_held: until the first such reading after which it stays at ${TOP_HEIGHT} lines for ${HOLD_MS} ms`,
        layer_switches:
          'changes of frameHeight on the subscriber’s one inbound video stream (the SFU switches layers at key frames)',
      },
      publisher_layers: Object.fromEntries(
        Object.entries(phases).map(([phase, [from, to]]) => [phase, publisherLayers(publisher, from, to)]),
      ),
      relay: {
        loss: relay.loss,
        cap_dropped_bytes: relay.droppedBytes,
      },
      subscribers,
    };
    printTable(result.subscribers, result.publisher_layers);
    const { dropped, relayed, droppedUp, relayedUp } = relay.loss;
    console.log(
      `relay: dropped ${dropped} of ${dropped + relayed} RTP packets towards the pages, ${droppedUp} of ${droppedUp + relayedUp} towards the SFU (while loss was on); the cap dropped ${relay.droppedBytes} bytes`,
    );
    // Every reading, for a closer look (not written by default: ~1 MB).
    if (process.env.BENCH_QUALITY_SAMPLES) {
      const raw = { t, publisher, subscribers: Object.fromEntries(samples) };
      await writeFile(process.env.BENCH_QUALITY_SAMPLES, JSON.stringify(raw));
    }
    const dir = path.join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'quality.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `wrote bench/results/quality.json (${result.run_seconds} s; load average ${result.load_average_before[0]} → ${result.load_average_after[0]})`,
    );
  } finally {
    await browser.close();
    await server.stop();
    relay.close();
  }
}

function printTable(
  subscribers: Array<{
    subscriber: string;
    phases: Record<string, PhaseFigures>;
    time_to_recover_ms: Record<string, number | null>;
  }>,
  layers: Record<
    string,
    Array<{ height: number; fps: number; kbit_per_s: number; quality_limitation_at_end: string }>
  >,
): void {
  const rows: string[][] = [
    [
      'subscriber',
      'phase',
      's',
      'fps',
      'pub fps',
      'freezes/min',
      'freeze s',
      '<90% s',
      'max gap ms',
      'lost',
      'NACKs',
      'PLIs',
      'heights',
      'switches',
    ],
  ];
  for (const s of subscribers) {
    for (const [phase, f] of Object.entries(s.phases)) {
      rows.push([
        s.subscriber,
        phase,
        String(f.seconds),
        String(f.fps_decoded),
        String(f.publisher_fps_top_layer ?? '–'),
        String(f.freezes_per_minute),
        String(f.freeze_seconds),
        String(f.seconds_below_full_rate),
        String(f.longest_gap_without_decoded_frame_ms),
        String(f.packets_lost),
        String(f.nacks_sent),
        String(f.plis_sent),
        Object.entries(f.time_at_height)
          .map(([h, share]) => `${h}:${Math.round(share * 100)}%`)
          .join(' '),
        String(f.layer_switches),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  console.log('\ntime to recover (ms; 0 = never fell behind, – = not before the next change):');
  for (const s of subscribers)
    console.log(
      `  ${s.subscriber}: ${Object.entries(s.time_to_recover_ms)
        .map(([event, ms]) => `${event} ${ms ?? '–'}`)
        .join(', ')}`,
    );
  console.log('\npublisher layers (height fps kbit/s):');
  for (const [phase, list] of Object.entries(layers))
    console.log(
      `  ${phase}: ${list.map((l) => `${l.height}p ${l.fps} ${l.kbit_per_s} (${l.quality_limitation_at_end})`).join(' | ')}`,
    );
}

await main();
