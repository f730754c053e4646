// Forwarding benchmark: SFU CPU per forwarded packet, 1 publisher → K subscribers on loopback.
//
// The forwarders run one after another, each alone in its own process pinned to CPU 0, while this
// process (the load generator: publisher and subscribers, counting what they receive) is pinned to
// CPU 1:
//   - floor: a bare UDP relay (no crypto, no RTP logic): what Node's send path costs per packet;
//   - naive: a werift SFU forwarding with `sender.replaceTrack(track)`;
//   - parley: Parley's media plane (packages/sfu) with node-datachannel bots, the
//     publisher's camera as three simulcast layers and, like for like with Janus, as one;
//   - janus: Janus's VideoRoom (C: libnice, libsrtp) with the same bots, in network namespaces
//     (forwarding/janus-run.ts), simulcast and one layer; skipped with the reason when it cannot run.
// CPU is process.cpuUsage() inside the forwarder (all its threads, user + system) over a window after
// a warm-up — for Janus utime + stime of all its threads from /proc — divided by the packets the
// subscribers received in the same window.
// Prints a table and writes bench/results/forwarding.json.

import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MediaBot } from '@parley/media-bot';
import type { PublishedTrack, SubscribedTrack } from '@parley/protocol';
import { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { ServerProcess } from './forwarding/ipc.js';
import { JanusComparison, type JanusFacts } from './forwarding/janus-run.js';
import { janusVersion } from './forwarding/janus-server.js';
import {
  describe,
  describeReceive,
  measure,
  round,
  type Sample,
  twice,
  WARMUP_MS,
  WINDOW_MS,
  WINDOWS,
  waitUntil,
} from './forwarding/measure.js';
import { WERIFT_CONFIG } from './forwarding/werift-config.js';

const SUBSCRIBER_COUNTS = (process.env.BENCH_FORWARDING_K ?? '1,5,20,50').split(',').map(Number);
/** BENCH_FORWARDING_JANUS=0: leave Janus out. */
const WITH_JANUS = process.env.BENCH_FORWARDING_JANUS !== '0';
/**
 * Janus's event_loops for its figure: one shared loop (the cheapest set-up on one core; its default,
 * a thread per handle, is measured beside it).
 */
const JANUS_EVENT_LOOPS = 1;
/** Video packets per second from the publisher: at most 2000, and at most 20 000 forwarded per second. */
const packetRate = (k: number) => Math.min(2000, Math.floor(20000 / k / 25) * 25);
const PAYLOAD_BYTES = 1100;
/**
 * At the K of the targets (5 and 20), Parley and the floor are measured in ROUNDS back-to-back pairs
 * (floor, then Parley, fresh processes each time) and the pair with the median ratio is reported: one
 * run of each wanders by a quarter on this shared VM (docs/performance.md), mostly with the machine,
 * which the pairing cancels. BENCH_FORWARDING_ROUNDS sets how many (odd: the median is a pair).
 */
const ROUNDS = Number(process.env.BENCH_FORWARDING_ROUNDS ?? 5);
const ROUNDS_AT = new Set([5, 20]);
/**
 * Where naive werift is measured in every round too (its target, speedup_vs_naive, is at K = 20): its
 * median reading is the figure, as one reading wanders from 16 to 26 µs/pkt here.
 */
const NAIVE_ROUNDS_AT = new Set([20]);
/** The K at which Parley is measured a second time with every layer arriving (pauseUnusedLayers off). */
const ALL_LAYERS_AT = new Set([5, 20]);
/** BENCH_MEDIA_WORKERS=n: the SFU as n media worker threads (pool-process.ts) instead of in-process. */
const MEDIA_WORKERS = process.env.BENCH_MEDIA_WORKERS;
const SERVER_CPU = 0;
const LOADGEN_CPU = 1;
const pinned = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** BENCH_FORWARDING_PROFILE=<dir>: each forwarder process writes a V8 CPU profile there. */
const PROFILE_DIR = process.env.BENCH_FORWARDING_PROFILE;

function startServer(file: string, env: Record<string, string> = {}): ServerProcess {
  return new ServerProcess(
    path.join(import.meta.dirname, 'forwarding', file),
    pinned ? SERVER_CPU : null,
    env,
    [],
    PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  );
}

/** Floor: UDP datagrams of the same size as the SFU's video packets, through the bare relay. */
async function runFloor(k: number, pps: number): Promise<Sample> {
  const server = startServer('relay-process.ts');
  await server.ready;
  const relayPort = await server.call<number>('port');
  let received = 0;
  const sockets: dgram.Socket[] = [];
  for (let i = 0; i < k; i++) {
    const socket = dgram.createSocket('udp4');
    socket.on('message', () => received++);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.setRecvBufferSize(4 * 1024 * 1024);
    sockets.push(socket);
    await server.call('addTarget', socket.address().port);
  }
  const sender = dgram.createSocket('udp4');
  sender.connect(relayPort, '127.0.0.1');
  await new Promise((resolve) => sender.once('connect', resolve));
  const packet = Buffer.alloc(12 + PAYLOAD_BYTES, 0xa5);
  const perTick = pps / 100;
  const ticker = setInterval(() => {
    for (let i = 0; i < perTick; i++) sender.send(packet);
  }, 10);
  try {
    return await measure(server, { received: () => received });
  } finally {
    clearInterval(ticker);
    sender.close();
    for (const socket of sockets) socket.close();
    await server.stop();
  }
}

/**
 * Parley's SFU: one MediaBot publishing microphone and camera, K MediaBots subscribing. `simulcast`:
 * the camera as three SSRC simulcast layers (the top one forwarded), else as one stream. With K = 0
 * the figure is CPU per packet the SFU receives (the receive path alone). `pauseUnused`: as in
 * production, the SFU asks the publisher to pause the layers no subscriber takes and the bot does
 * (with K ≥ 1 subscribers on the top layer, the middle one pauses; the lowest stays as the fallback).
 */
async function runParley(
  k: number,
  pps: number,
  simulcast = true,
  pauseUnused = true,
): Promise<ParleySample> {
  const rtcPort = 42000 + Math.floor(Math.random() * 15000);
  const env = { BENCH_RTC_PORT: String(rtcPort), BENCH_PAUSE_UNUSED_LAYERS: pauseUnused ? '1' : '0' };
  const server = MEDIA_WORKERS
    ? startServer('pool-process.ts', { ...env, BENCH_MEDIA_WORKERS: MEDIA_WORKERS })
    : startServer('sfu-process.ts', env);
  await server.ready;
  const bots = new Map<string, MediaBot>();
  // The layers the publisher was last asked for (null: none asked yet: every layer).
  let layersAsked: boolean[] | null = null;
  server.on('simulcast-layers', (payload) => {
    const { participantId, source, active } = payload as {
      participantId: string;
      source: 'camera';
      active: boolean[];
    };
    if (participantId === 'publisher') layersAsked = active;
    bots.get(participantId)?.setActiveLayers(source, active);
  });
  server.on('subscriber-offer', (payload) => {
    const { participantId, sdp, tracks } = payload as {
      participantId: string;
      sdp: string;
      tracks: SubscribedTrack[];
    };
    void bots.get(participantId)?.handleSubscriberOffer(sdp, tracks);
  });
  const join = async (id: string, publish: boolean) => {
    await server.call('addParticipant', id);
    const bot = new MediaBot(
      {
        publish: (sdp: string, tracks: PublishedTrack[]) => server.call<string>('publish', id, sdp, tracks),
        subscribe: (sdp: string) => server.call<string>('subscribe', id, sdp),
        subscriberAnswer: (sdp: string) => server.call<void>('subscriberAnswer', id, sdp),
      },
      // Simulcast camera: the top layer at `pps`, the two lower ones on top (1/6 and 1/3 of it);
      // subscribers get the top layer. Every bot's microphone carries the audio-level extension.
      // Packets of 12 + PAYLOAD_BYTES bytes either way (VP8 descriptor of 4 bytes, or of 1 without).
      {
        videoPacketsPerFrame: pps / 25,
        videoPayloadBytes: simulcast ? PAYLOAD_BYTES - 4 : PAYLOAD_BYTES - 1,
        simulcast,
        // BENCH_FORWARDING_TWCC=1: every packet numbered (transport-cc), so that the SFU renumbers each
        // per subscriber connection as it does for browsers (issue 18).
        transportCc: process.env.BENCH_FORWARDING_TWCC === '1',
      },
    );
    bots.set(id, bot);
    await bot.startSubscribing();
    if (publish) await bot.startPublishing({ audio: true, video: true });
    return bot;
  };
  const subscribers: MediaBot[] = [];
  try {
    for (let i = 0; i < k; i++) subscribers.push(await join(`sub-${i}`, false));
    const publisher = await join('publisher', true);
    // Measured once the publisher sends what it was asked for (the SFU waits 3 s before a pause).
    if (pauseUnused && simulcast && k > 0)
      await waitUntil(() => layersAsked?.join() === 'true,false,true', 'the middle layer to pause');
    return await measureParley(server, subscribers, publisher);
  } finally {
    for (const bot of bots.values()) await bot.close();
    await server.stop();
  }
}

type ParleySample = Sample & {
  layerPps?: number[];
  recovery?: { retransmissions: number; keyframeRequests: number; publisherNacks: number };
};

async function measureParley(
  server: ServerProcess,
  subscribers: MediaBot[],
  publisher: MediaBot,
): Promise<ParleySample> {
  if (subscribers.length === 0) {
    // The receive path alone: per packet the publisher sends (every layer, and audio).
    const sent = () => publisher.sentPackets('camera') + publisher.sentPackets('mic');
    await waitUntil(() => sent() > 0, 'the publisher to send');
    return measure(server, { received: sent });
  }
  const receivedBy = (bot: MediaBot) => {
    let packets = 0;
    for (const stream of bot.received().values()) packets += stream.packets;
    return packets;
  };
  await waitUntil(() => subscribers.every((bot) => receivedBy(bot) > 0), 'every subscriber to receive');
  const layersBefore = publisher.sentLayerPackets('camera');
  const recoveryBefore = await recoveryCounters(server);
  const startedAt = performance.now();
  const sample = await measure(server, {
    received: () => subscribers.reduce((sum, bot) => sum + receivedBy(bot), 0),
  });
  const recoveryAfter = await recoveryCounters(server);
  // What reached the SFU of each camera layer (lowest first), packets/s over the whole measurement.
  const seconds = (performance.now() - startedAt) / 1000;
  const layerPps = publisher
    .sentLayerPackets('camera')
    .map((packets, layer) => Math.round((packets - layersBefore[layer]!) / seconds));
  // Loss recovery during the measurement (the floor has none): a run that had to repair losses
  // would cost more per packet, and says so.
  const recovery =
    recoveryBefore && recoveryAfter
      ? {
          retransmissions: recoveryAfter.retransmissions - recoveryBefore.retransmissions,
          keyframeRequests: recoveryAfter.keyframeRequestsSent - recoveryBefore.keyframeRequestsSent,
          publisherNacks: recoveryAfter.publisherNacks - recoveryBefore.publisherNacks,
        }
      : undefined;
  return { ...sample, layerPps, recovery };
}

interface RecoveryCounters {
  retransmissions: number;
  keyframeRequestsSent: number;
  publisherNacks: number;
}

/** The SFU's loss-recovery counters (null from the media-worker variant, which does not serve them). */
async function recoveryCounters(server: ServerProcess): Promise<RecoveryCounters | null> {
  if (MEDIA_WORKERS) return null;
  return server.call<RecoveryCounters>('feedback');
}

interface Pair {
  floor: Sample;
  parley: ParleySample;
  /** Naive werift in the same round (null: not measured in the rounds, or it failed to set up). */
  naive: Sample | null;
}

/**
 * `count` rounds of the floor (and naive werift, `withNaive`) and then Parley (layers paused as in
 * production), each in a fresh process; the pair whose ratio is the median of the rounds is the K's
 * figure, and naive werift's median reading.
 */
async function pairedRounds(
  k: number,
  pps: number,
  count: number,
  withNaive: boolean,
): Promise<Pair & { rounds: Pair[] }> {
  const rounds: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const floor = await twice(`floor K=${k}`, () => runFloor(k, pps));
    const naive = withNaive ? await naiveRun(k, pps) : null;
    const parley = await twice(`parley K=${k}`, () => runParley(k, pps));
    rounds.push({ floor, parley, naive });
    if (count > 1)
      console.log(
        `K=${k} round ${i + 1}/${count}: parley ${round(parley.usPerPacket)} µs/pkt, floor ${round(floor.usPerPacket)} → ${round(parley.usPerPacket / floor.usPerPacket)}` +
          (naive ? `, naive werift ${round(naive.usPerPacket)}` : '') +
          ` (windows: parley ${parley.windows?.join('/')}, floor ${floor.windows?.join('/')}; delivery ${round(parley.delivery, 3)}` +
          (parley.recovery
            ? `; retransmissions ${parley.recovery.retransmissions}, key frame requests ${parley.recovery.keyframeRequests}, NACKs to the publisher ${parley.recovery.publisherNacks})`
            : ')'),
      );
  }
  const ratioOf = (pair: Pair) => pair.parley.usPerPacket / pair.floor.usPerPacket;
  const median = [...rounds].sort((a, b) => ratioOf(a) - ratioOf(b))[Math.floor(count / 2)]!;
  const naives = rounds.flatMap((pair) => (pair.naive ? [pair.naive] : []));
  naives.sort((a, b) => a.usPerPacket - b.usPerPacket);
  return { ...median, naive: naives[Math.floor(naives.length / 2)] ?? null, rounds };
}

/** Naive werift once; null when it cannot be set up (the row then says so). */
function naiveRun(k: number, pps: number): Promise<Sample | null> {
  return twice(`naive K=${k}`, () => runNaive(k, pps)).catch((error: Error) => {
    console.log(`naive K=${k}: ${error.message}; no baseline here`);
    return null;
  });
}

/** Naive werift forwarding: a werift publisher and K werift subscribers. */
async function runNaive(k: number, pps: number): Promise<Sample> {
  const server = startServer('werift-process.ts');
  const connections: RTCPeerConnection[] = [];
  let ticker: NodeJS.Timeout | undefined;
  try {
    await server.ready;
    return await driveNaive(server, connections, k, pps, (t) => {
      ticker = t;
    });
  } finally {
    clearInterval(ticker);
    for (const pc of connections) await pc.close();
    await server.stop();
  }
}

async function driveNaive(
  server: ServerProcess,
  connections: RTCPeerConnection[],
  k: number,
  pps: number,
  started: (ticker: NodeJS.Timeout) => void,
): Promise<Sample> {
  const publisher = new RTCPeerConnection(WERIFT_CONFIG);
  connections.push(publisher);
  const track = new MediaStreamTrack({ kind: 'video' });
  publisher.addTransceiver(track, { direction: 'sendonly' });
  await publisher.setLocalDescription(await publisher.createOffer());
  await gathered(publisher);
  const answer = await server.call<string>('publish', publisher.localDescription!.sdp);
  await publisher.setRemoteDescription({ type: 'answer', sdp: answer });
  const packet = Buffer.alloc(12 + PAYLOAD_BYTES, 0xa5);
  let sequence = 0;
  let timestamp = 0;
  const perTick = pps / 100;
  const ticker = setInterval(() => {
    timestamp = (timestamp + 900) >>> 0;
    for (let i = 0; i < perTick; i++) {
      packet[0] = 0x80;
      packet[1] = (i === perTick - 1 ? 0x80 : 0) | 96;
      packet.writeUInt16BE(sequence, 2);
      packet.writeUInt32BE(timestamp, 4);
      sequence = (sequence + 1) & 0xffff;
      track.writeRtp(Buffer.from(packet));
    }
  }, 10);
  started(ticker);
  let received = 0;
  const receiving = new Set<RTCPeerConnection>();
  for (let i = 0; i < k; i++) {
    const id = `sub-${i}`;
    const offer = await server.call<string>('subscribe', id);
    const pc = new RTCPeerConnection(WERIFT_CONFIG);
    connections.push(pc);
    pc.onTrack.subscribe((remote) => {
      remote.onReceiveRtp.subscribe(() => {
        received++;
        receiving.add(pc);
      });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await server.call('subscriberAnswer', id, pc.localDescription!.sdp);
  }
  // werift sometimes leaves a connection of many unconnected on this small machine: after 20 s, go on
  // with at least 80 % of them (the figure is CPU per packet delivered, so it stays comparable).
  const since = Date.now();
  await waitUntil(
    () => receiving.size === k || (Date.now() - since > 20_000 && receiving.size >= Math.ceil(0.8 * k)),
    'werift subscribers to receive',
  );
  if (receiving.size < k) console.log(`naive K=${k}: ${receiving.size} of ${k} werift subscribers connected`);
  return measure(server, { received: () => received });
}

async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) =>
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') resolve();
    }),
  );
}

/** What the JSON says about the Janus runs: how Janus was set up, or why it did not run. */
function janusMethod(janus: JanusComparison | string) {
  if (typeof janus === 'string') return { available: false, reason: janus };
  return {
    available: true,
    version: janusVersion(),
    plugin: 'VideoRoom over the HTTP API (nothing else loaded), room created over the API',
    network:
      'Janus in its own network namespace at 127.0.1.1, the bots in a second one at 127.0.1.2, joined by a veth pair (Janus skips loopback interfaces for ICE); floor_netns is the bare relay across the same path',
    mode: 'janus_us_per_packet: the same SSRC-simulcast publisher as Parley (3 layers, Janus forwards the top one: substream 2, its default), event_loops = 1; single_layer.janus_us_per_packet: one-layer camera; janus_default_loops_us_per_packet: simulcast with Janus default event loops (a thread per handle)',
    room: 'VP8 + Opus, REMB 2.5 Mbit/s, fir_freq 0, audio-level extension on, transport-wide CC off (Parley does not negotiate it either), playout-delay off',
    event_loops: JANUS_EVENT_LOOPS,
    cpu: 'run time of all Janus threads over the window from /proc/<pid>/task/<tid>/schedstat (ns); us_per_packet_proc_stat: the same from utime + stime in /proc/<pid>/stat (10 ms ticks), as a check',
    clients:
      'the same MediaBot publisher as Parley; subscribers are node-datachannel connections answering Janus offers (DTLS-SRTP, decrypt and count)',
    delivery: 'received ÷ (K × packets the publisher sent on the forwarded streams)',
  };
}

async function save(
  rows: object[],
  janus: JanusComparison | string,
  receivePath: object | null,
): Promise<void> {
  const result = {
    benchmark: 'forwarding',
    description:
      'SFU CPU µs per forwarded packet (process.cpuUsage of the forwarder process, all threads) divided by packets received by the subscribers; 1 publisher → K subscribers on loopback',
    method: {
      warmup_ms: WARMUP_MS,
      window_ms: WINDOW_MS,
      windows: WINDOWS,
      statistic:
        'the cheapest of the windows (shared machine: other work only adds CPU time); every window is under windows_us_per_packet (and windows / floor_windows in rounds)',
      recovery:
        "Parley's loss-recovery work during its windows (retransmissions to subscribers, key frame requests and NACKs to the publisher), to show the figure is plain forwarding",
      rounds: `at K = ${[...ROUNDS_AT].join(' and ')}: ${ROUNDS} rounds of the floor then Parley (layers paused), fresh processes each; us_per_packet, floor_us_per_packet and ratio_to_floor are the round with the median ratio, every round under rounds; at K = ${[...NAIVE_ROUNDS_AT].join(', ')} naive werift is measured in every round as well and its median reading is naive_us_per_packet (speedup_vs_naive = that ÷ us_per_packet)`,
      pinned_cpus: pinned ? { forwarder: SERVER_CPU, load_generator: LOADGEN_CPU } : null,
      payload_bytes: PAYLOAD_BYTES,
      floor: 'bare node:dgram relay, no crypto',
      naive: 'werift 0.25 SFU, sender.replaceTrack(publisher track), werift clients',
      parley:
        'packages/sfu over node-datachannel, MediaBot clients: Opus 50 pps with audio level, VP8 simulcast (3 SSRCs, top layer forwarded); single_layer: the camera as one VP8 stream',
      parley_layers_paused:
        'as in production (PARLEY_PAUSE_UNUSED_LAYERS on), the SFU asks the publisher to pause the simulcast layers no subscriber takes and the MediaBot publisher does: with K ≥ 1 subscribers on the top layer only the top and the lowest layer (the fallback) arrive, measured once the middle one is paused. Janus is given all three layers (it does not pause them) and the floor only the packets it forwards (it has no layers), so us_per_packet is like for like with neither: all_layers_us_per_packet (K = 5 and 20) is Parley with every layer arriving, as before, and all_layers_ratio_to_floor / all_layers_ratio_to_janus compare that. The receive path (K = 0) keeps every layer on.',
      janus: janusMethod(janus),
    },
    features: SFU_FEATURES,
    targets_at_k20: { ratio_to_floor: 1.2, ratio_to_janus: 1.0, speedup_vs_naive: 3.0 },
    receive_path: receivePath,
    targets_at_k5: { ratio_to_floor: 1.5 },
    results: rows,
    by_k: Object.fromEntries(rows.map((row) => [String((row as { K: number }).K), row])),
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
  };
  const dir = path.join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'forwarding.json'), `${JSON.stringify(result, null, 2)}\n`);
}

/**
 * The receive path alone (no subscribers): CPU per packet the forwarder receives from the publisher
 * (three simulcast layers at the K = 5 rate, and audio). What a packet costs before any fan-out.
 */
async function measureReceivePath(janus: JanusComparison | null) {
  if (process.env.BENCH_FORWARDING_RECEIVE === '0') return null;
  const pps = packetRate(5);
  // Every layer kept on (with nobody subscribed the SFU would pause them all): the cost per packet.
  const parley = await twice('parley receive path', () => runParley(0, pps, true, false));
  const janusSample = janus
    ? await janusRun('janus receive path', () =>
        janus.run(0, pps, PAYLOAD_BYTES, { simulcast: true, eventLoops: JANUS_EVENT_LOOPS }),
      )
    : null;
  const result = {
    description:
      'no subscribers: forwarder CPU µs per packet received from the publisher (VP8 simulcast, three layers, and Opus)',
    publisher_video_pps: pps,
    parley_us_per_incoming_packet: round(parley.usPerPacket),
    janus_us_per_incoming_packet: us(janusSample),
    parley: describeReceive(parley),
    janus: janusSample ? { ...describeReceive(janusSample), threads: janusSample.threads } : null,
  };
  console.log(
    `receive path @ ${pps} pps: parley ${result.parley_us_per_incoming_packet} µs per incoming packet, janus ${result.janus_us_per_incoming_packet}`,
  );
  return result;
}

/** A Janus run, or null (with the reason printed) when it fails: the other figures go on. */
async function janusRun<T>(what: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await twice(what, run);
  } catch (error) {
    console.log(`${what}: ${(error as Error).message}; no Janus figure here`);
    return null;
  }
}

const describeJanus = (sample: (Sample & JanusFacts) | null) =>
  sample
    ? { ...describe(sample), threads: sample.threads, subscribers_on_top_layer: sample.onTopLayer }
    : null;
const ratio = (a: Sample | null, b: Sample | null) => (a && b ? round(a.usPerPacket / b.usPerPacket) : null);
const us = (sample: Sample | null) => (sample ? round(sample.usPerPacket) : null);

async function main(): Promise<void> {
  if (pinned) spawnSync('taskset', ['-a', '-cp', String(LOADGEN_CPU), String(process.pid)]);
  const janus = WITH_JANUS
    ? JanusComparison.open(pinned ? SERVER_CPU : null, pinned ? LOADGEN_CPU : null)
    : 'left out (BENCH_FORWARDING_JANUS=0)';
  if (typeof janus === 'string') console.log(`janus: ${janus}; going on without it`);
  const rows = [];
  let receivePath: object | null = null;
  try {
    receivePath = await measureReceivePath(typeof janus === 'string' ? null : janus);
    for (const k of SUBSCRIBER_COUNTS) {
      const pps = packetRate(k);
      const naiveInRounds = NAIVE_ROUNDS_AT.has(k);
      const paired = await pairedRounds(k, pps, ROUNDS_AT.has(k) ? ROUNDS : 1, naiveInRounds);
      const { floor, parley, rounds } = paired;
      // The baseline may fail to set up at large K on a small machine: the row then says so (null).
      const naive = naiveInRounds ? paired.naive : await naiveRun(k, pps);
      // Like for like with Janus and the floor, whose publisher keeps sending all three layers.
      const parleyAllLayers = ALL_LAYERS_AT.has(k)
        ? await twice(`parley all layers K=${k}`, () => runParley(k, pps, true, false))
        : null;
      // Janus right after Parley, mode for mode, so that both see the machine in the same state.
      const withJanus = typeof janus === 'string' ? null : janus;
      const janusSimulcast = withJanus
        ? await janusRun(`janus K=${k}`, () =>
            withJanus.run(k, pps, PAYLOAD_BYTES, { simulcast: true, eventLoops: JANUS_EVENT_LOOPS }),
          )
        : null;
      const parleySingle = await twice(`parley single layer K=${k}`, () => runParley(k, pps, false));
      const janusSingle = withJanus
        ? await janusRun(`janus single layer K=${k}`, () =>
            withJanus.run(k, pps, PAYLOAD_BYTES, { simulcast: false, eventLoops: JANUS_EVENT_LOOPS }),
          )
        : null;
      const janusDefaultLoops = withJanus
        ? await janusRun(`janus default loops K=${k}`, () =>
            withJanus.run(k, pps, PAYLOAD_BYTES, { simulcast: true, eventLoops: 0 }),
          )
        : null;
      const floorNetns = withJanus
        ? await janusRun(`floor across namespaces K=${k}`, () => withJanus.floor(k, pps, 12 + PAYLOAD_BYTES))
        : null;
      const row = {
        K: k,
        publisher_video_pps: pps,
        us_per_packet: round(parley.usPerPacket),
        floor_us_per_packet: round(floor.usPerPacket),
        naive_us_per_packet: us(naive),
        janus_us_per_packet: us(janusSimulcast),
        ratio_to_floor: round(parley.usPerPacket / floor.usPerPacket),
        rounds: rounds.map((pair) => ({
          us_per_packet: round(pair.parley.usPerPacket),
          floor_us_per_packet: round(pair.floor.usPerPacket),
          ratio_to_floor: round(pair.parley.usPerPacket / pair.floor.usPerPacket),
          windows: pair.parley.windows,
          floor_windows: pair.floor.windows,
          delivery: round(pair.parley.delivery, 3),
          recovery: pair.parley.recovery,
          ...(pair.naive && { naive_us_per_packet: round(pair.naive.usPerPacket) }),
        })),
        speedup_vs_naive: ratio(naive, parley),
        ratio_to_janus: ratio(parley, janusSimulcast),
        all_layers_us_per_packet: us(parleyAllLayers),
        all_layers_ratio_to_floor: ratio(parleyAllLayers, floor),
        all_layers_ratio_to_janus: ratio(parleyAllLayers, janusSimulcast),
        single_layer: {
          us_per_packet: round(parleySingle.usPerPacket),
          janus_us_per_packet: us(janusSingle),
          ratio_to_janus: ratio(parleySingle, janusSingle),
          ratio_to_floor: round(parleySingle.usPerPacket / floor.usPerPacket),
        },
        janus_default_loops_us_per_packet: us(janusDefaultLoops),
        floor_netns_us_per_packet: us(floorNetns),
        parley: { ...describe(parley), publisher_layers_pps: parley.layerPps, recovery: parley.recovery },
        parley_all_layers: parleyAllLayers
          ? { ...describe(parleyAllLayers), publisher_layers_pps: parleyAllLayers.layerPps }
          : null,
        parley_single_layer: describe(parleySingle),
        floor: describe(floor),
        naive: naive ? describe(naive) : null,
        janus: describeJanus(janusSimulcast),
        janus_single_layer: describeJanus(janusSingle),
        janus_default_loops: describeJanus(janusDefaultLoops),
        floor_netns: floorNetns ? describe(floorNetns) : null,
      };
      rows.push(row);
      console.log(
        `K=${String(k).padStart(2)} @ ${pps} pps: parley ${row.us_per_packet} µs/pkt, floor ${row.floor_us_per_packet}, ` +
          `naive werift ${row.naive_us_per_packet}, janus ${row.janus_us_per_packet} → ratio_to_floor ${row.ratio_to_floor}, ` +
          `ratio_to_janus ${row.ratio_to_janus}, speedup_vs_naive ${row.speedup_vs_naive}, ` +
          `all layers arriving ${row.all_layers_us_per_packet} µs/pkt → ratio_to_floor ${row.all_layers_ratio_to_floor} ` +
          `(camera layers arriving, pkt/s low/mid/top: ${parley.layerPps?.join('/')}; all layers ${parleyAllLayers?.layerPps?.join('/') ?? '-'}) ` +
          `(delivered ${row.parley.delivered_pps}/s, ${Math.round(row.parley.delivery * 100)} % of sent)\n` +
          `      one layer: parley ${row.single_layer.us_per_packet}, janus ${row.single_layer.janus_us_per_packet} → ratio_to_janus ${row.single_layer.ratio_to_janus}; ` +
          `janus thread per handle ${row.janus_default_loops_us_per_packet}; floor across namespaces ${row.floor_netns_us_per_packet}`,
      );
      // Written after every K, so a later failure keeps what was measured.
      await save(rows, janus, receivePath);
    }
  } finally {
    if (typeof janus !== 'string') janus.close();
  }
  await MediaBot.releaseNative();
}

/** What Parley's SFU does per packet in this run (kept in step with packages/sfu). */
const SFU_FEATURES = {
  nack_cache: true,
  simulcast: true,
  speaker_detection: true,
  last_n: false,
};

await main();
