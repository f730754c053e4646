// One meeting on Parley's SFU in its own process (bench/forwarding/sfu-process.ts, pinned to CPU 0)
// with MediaBots in this process (the load generator, pinned to CPU 1): what the transit and capacity
// benchmarks share.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { MediaBot, type MediaBotOptions, SinkSubscriber } from '@parley/media-bot';
import type { PublishedTrack, SubscribedTrack } from '@parley/protocol';
import { ServerProcess } from '../forwarding/ipc.js';

export const SERVER_CPU = 0;
export const LOADGEN_CPU = 1;
/** Whether the SFU and the load generator get a CPU each (2+ CPUs and taskset available). */
export const pinned = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** Pin this process (every thread) to the load generator's CPU. */
export function pinLoadGenerator(): void {
  if (pinned) spawnSync('taskset', ['-a', '-cp', String(LOADGEN_CPU), String(process.pid)]);
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

export interface SfuProbe {
  transit: { packets: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number };
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
}

export interface SfuStats {
  packetsForwarded: number;
  subscriptions: number;
  rss: number;
  heapUsed: number;
}

/** Packets a bot received so far, every stream together. */
export function packetsReceived(bot: MediaBot): number {
  let packets = 0;
  for (const stream of bot.received().values()) packets += stream.packets;
  return packets;
}

export class BenchRoom {
  readonly server: ServerProcess;
  readonly bots = new Map<string, MediaBot>();
  readonly sinks = new Map<string, SinkSubscriber>();

  /** `env`: BENCH_AUDIBLE_SPEAKERS, BENCH_LAST_N for the SFU's options. */
  constructor(env: Record<string, string> = {}) {
    const rtcPort = 42000 + Math.floor(Math.random() * 15000);
    this.server = new ServerProcess(
      path.join(import.meta.dirname, '..', 'forwarding', 'sfu-process.ts'),
      pinned ? SERVER_CPU : null,
      { ...env, BENCH_RTC_PORT: String(rtcPort) },
    );
    this.server.on('subscriber-offer', (payload) => {
      const { participantId, sdp, tracks } = payload as {
        participantId: string;
        sdp: string;
        tracks: SubscribedTrack[];
      };
      const client = this.bots.get(participantId) ?? this.sinks.get(participantId);
      void client?.handleSubscriberOffer(sdp, tracks);
    });
  }

  /** A bot joins: subscribes (unless told not to), then publishes what `publish` says. */
  async join(
    id: string,
    what: { subscribe: boolean; publish: { audio: boolean; video: boolean } | null },
    options: MediaBotOptions,
  ): Promise<MediaBot> {
    const server = this.server;
    await server.call('addParticipant', id);
    const bot = new MediaBot(
      {
        publish: (sdp: string, tracks: PublishedTrack[]) => server.call<string>('publish', id, sdp, tracks),
        subscribe: (sdp: string) => server.call<string>('subscribe', id, sdp),
        subscriberAnswer: (sdp: string) => server.call<void>('subscriberAnswer', id, sdp),
      },
      options,
    );
    this.bots.set(id, bot);
    if (what.subscribe) await bot.startSubscribing();
    if (what.publish) await bot.startPublishing(what.publish);
    return bot;
  }

  /** A subscriber that only counts the RTP packets reaching it (@parley/media-bot: sink-subscriber.ts). */
  async joinSink(id: string): Promise<SinkSubscriber> {
    const server = this.server;
    await server.call('addParticipant', id);
    const sink = new SinkSubscriber({
      subscribe: (sdp: string) => server.call<string>('subscribe', id, sdp),
      subscriberAnswer: (sdp: string) => server.call<void>('subscriberAnswer', id, sdp),
    });
    this.sinks.set(id, sink);
    await sink.connect();
    return sink;
  }

  stats(): Promise<SfuStats> {
    return this.server.call<SfuStats>('stats');
  }

  probeStart(): Promise<void> {
    return this.server.call<void>('probeStart');
  }

  probeRead(): Promise<SfuProbe> {
    return this.server.call<SfuProbe>('probeRead');
  }

  async close(): Promise<void> {
    for (const bot of this.bots.values()) await bot.close();
    for (const sink of this.sinks.values()) await sink.close();
    await this.server.stop();
  }
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));
