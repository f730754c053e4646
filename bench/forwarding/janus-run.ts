// The forwarding benchmark's Janus runs: Janus in the forwarder's network namespace pinned to the
// SFU's CPU, the bots in a child process in the bots' namespace pinned to the load generator's CPU
// (see netns.ts, janus-server.ts, janus-load-process.ts). Also a bare UDP relay across the same two
// namespaces, to show that the veth path costs a sender what loopback does (so Janus's figures,
// taken across it, compare with Parley's, taken on loopback).
import path from 'node:path';
import { ServerProcess } from './ipc.js';
import { JANUS_HTTP_PORT, JanusServer, janusUnavailable, removeStaleConfigs } from './janus-server.js';
import { measure, type Sample, waitUntil } from './measure.js';
import { type BenchNetwork, BOTS_ADDRESS, createBenchNetwork, inNamespace, JANUS_ADDRESS } from './netns.js';

export interface JanusMode {
  /** The publisher's camera as three SSRC simulcast layers (Janus forwards the top one) or one. */
  simulcast: boolean;
  /** Janus's event_loops: 0 = its default, a thread and loop per handle. */
  eventLoops: number;
}

interface LoadMeasure {
  received: number;
  receiving: number;
  onTopLayer: number;
  forwardedSent: number;
  publisherSent: number;
}

const LOAD_FILE = path.join(import.meta.dirname, 'janus-load-process.ts');
const RELAY_FILE = path.join(import.meta.dirname, 'relay-process.ts');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const BASE = `http://${JANUS_ADDRESS}:${JANUS_HTTP_PORT}/janus`;

export class JanusComparison {
  private janus: JanusServer | null = null;
  private readonly onExit = () => this.abort();
  /** Ctrl-C or a kill ends the benchmark through process.exit, so that onExit runs. */
  private readonly onSignal = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143);

  private constructor(
    private readonly network: BenchNetwork,
    private readonly serverCpu: number | null,
    private readonly loadCpu: number | null,
  ) {
    // Whatever happens (an exception, Ctrl-C), the namespaces and Janus do not outlive the benchmark.
    process.on('exit', this.onExit);
    for (const signal of SIGNALS) process.on(signal, this.onSignal);
  }

  /** Janus and its network namespaces, or the reason they cannot be had here. */
  static open(serverCpu: number | null, loadCpu: number | null): JanusComparison | string {
    const missing = janusUnavailable();
    if (missing) return missing;
    if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
    removeStaleConfigs();
    try {
      return new JanusComparison(createBenchNetwork(), serverCpu, loadCpu);
    } catch (error) {
      return `cannot create the network namespaces: ${(error as Error).message}`;
    }
  }

  /**
   * One publisher → k subscribers through Janus's VideoRoom; Janus's CPU per packet the subscribers
   * received. With k = 0: per packet Janus receives from the publisher (the receive path alone).
   */
  async run(k: number, pps: number, payloadBytes: number, mode: JanusMode): Promise<Sample & JanusFacts> {
    const janus = new JanusServer({
      address: JANUS_ADDRESS,
      namespacePrefix: inNamespace(this.network.forwarder),
      cpu: this.serverCpu,
      eventLoops: mode.eventLoops,
    });
    this.janus = janus;
    const load = new ServerProcess(LOAD_FILE, this.loadCpu, {}, inNamespace(this.network.bots));
    try {
      await load.ready;
      await janus.ready(() => load.call<boolean>('probe', BASE));
      await load.call('start', {
        base: BASE,
        bindAddress: BOTS_ADDRESS,
        subscribers: k,
        videoPacketsPerFrame: pps / 25,
        // The same packet size as Parley's run: 12 + 4 (VP8 descriptor with picture id) + payload.
        videoPayloadBytes: mode.simulcast ? payloadBytes - 4 : payloadBytes - 1,
        simulcast: mode.simulcast,
      });
      const state = () => load.call<LoadMeasure>('measure');
      await waitUntil(async () => (await state()).receiving === k, 'every Janus subscriber to receive');
      if (k === 0) await waitUntil(async () => (await state()).publisherSent > 0, 'the publisher to send');
      const sample = await measure(
        {
          measure: async () => ({
            cpuMicros: janus.cpuMicros(),
            checkCpuMicros: janus.statCpuMicros(),
            sent: k * (await state()).forwardedSent,
            rssBytes: janus.rssBytes(),
          }),
        },
        { received: async () => (k === 0 ? (await state()).publisherSent : (await state()).received) },
      );
      const last = await state();
      return {
        ...sample,
        threads: janus.threads(),
        onTopLayer: mode.simulcast && k > 0 ? last.onTopLayer : null,
      };
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- janus log (end) ---\n${janus.log().slice(-2000)}`);
    } finally {
      await load.stop().catch(() => {});
      await janus.stop();
      this.janus = null;
    }
  }

  /**
   * The bare UDP relay of the floor, in the forwarder's namespace, with its sender and K receivers in
   * the bots' namespace: what the veth path costs per packet.
   */
  async floor(k: number, pps: number, packetBytes: number): Promise<Sample> {
    const relay = new ServerProcess(
      RELAY_FILE,
      this.serverCpu,
      { BENCH_RELAY_ADDRESS: JANUS_ADDRESS },
      inNamespace(this.network.forwarder),
    );
    const load = new ServerProcess(LOAD_FILE, this.loadCpu, {}, inNamespace(this.network.bots));
    try {
      await Promise.all([relay.ready, load.ready]);
      const relayPort = await relay.call<number>('port');
      const ports = await load.call<number[]>('floorReceivers', BOTS_ADDRESS, k);
      for (const port of ports) await relay.call('addTarget', port, BOTS_ADDRESS);
      await load.call('floorSend', BOTS_ADDRESS, JANUS_ADDRESS, relayPort, pps, packetBytes);
      return await measure(relay, { received: () => load.call<number>('floorReceived') });
    } finally {
      await load.stop().catch(() => {});
      await relay.stop();
    }
  }

  close(): void {
    this.abort();
    process.off('exit', this.onExit);
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
  }

  private abort(): void {
    this.janus?.kill();
    this.janus = null;
    this.network.close();
  }
}

export interface JanusFacts {
  /** Janus's threads at the end of the run. */
  threads: number;
  /** Subscribers whose last video packet was from the top simulcast layer (null without simulcast). */
  onTopLayer: number | null;
}
