// The load generator of the forwarding benchmark's Janus run, in the bots' network namespace (see
// netns.ts), driven over IPC by the benchmark: it creates a VideoRoom over Janus's HTTP API, publishes
// a MediaBot into it (the same publisher as in Parley's run: Opus with audio level, VP8 with or
// without SSRC simulcast) and subscribes K AnsweringSubscribers to it, all over DTLS-SRTP.
// Also the load of the floor relay across the namespaces (plain UDP: a sender and K receivers).
import dgram from 'node:dgram';
import { AnsweringSubscriber, MediaBot } from '@parley/media-bot';
import { cpuMicros, serve } from './ipc.js';
import { type JanusHandle, JanusSession, type PluginEvent } from './janus-api.js';

export interface JanusLoadOptions {
  /** Janus HTTP API, e.g. http://127.0.1.1:8088/janus. */
  base: string;
  /** Local address of every bot's sockets. */
  bindAddress: string;
  subscribers: number;
  /** VP8 packets per frame of the top layer (25 frames/s). */
  videoPacketsPerFrame: number;
  videoPayloadBytes: number;
  simulcast: boolean;
}

const ROOM = 1234;
const VIDEOROOM = 'janus.plugin.videoroom';

let session: JanusSession | null = null;
let publisher: MediaBot | null = null;
let topLayerShare = 1;
const subscribers: AnsweringSubscriber[] = [];
const sockets: dgram.Socket[] = [];
let floorReceived = 0;
let floorTicker: NodeJS.Timeout | undefined;

async function createRoom(handle: JanusHandle): Promise<void> {
  await handle.request({
    request: 'create',
    room: ROOM,
    publishers: 1,
    // As Parley: VP8 and Opus, REMB of 2.5 Mbit/s to the publisher, no periodic key frame requests,
    // no transport-wide congestion control (Parley does not negotiate it either), audio levels parsed.
    videocodec: 'vp8',
    audiocodec: 'opus',
    bitrate: 2_500_000,
    fir_freq: 0,
    transport_wide_cc_ext: false,
    audiolevel_ext: true,
    audiolevel_event: false,
    playoutdelay_ext: false,
    notify_joining: false,
    permanent: false,
  });
}

/**
 * Join a subscriber to `feed`. Janus lists a publisher as a feed only once its PeerConnection is up
 * (ICE and DTLS done), so the first subscriber may have to wait for that.
 */
async function joinSubscriber(handle: JanusHandle, feed: number): Promise<PluginEvent> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await handle.message({ request: 'join', ptype: 'subscriber', room: ROOM, streams: [{ feed }] });
    } catch (error) {
      if (!/No such feed/.test((error as Error).message) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function start(options: JanusLoadOptions): Promise<{ feed: number }> {
  session = await JanusSession.create(options.base);
  const publisherHandle = await session.attach(VIDEOROOM);
  await createRoom(publisherHandle);
  let feed = 0;
  publisher = new MediaBot(
    {
      publish: async (sdp) => {
        const event = await publisherHandle.message(
          { request: 'joinandconfigure', ptype: 'publisher', room: ROOM, display: 'publisher' },
          { type: 'offer', sdp },
        );
        feed = Number(event.data.id);
        if (!event.jsep) throw new Error(`janus: no answer to the publisher (${JSON.stringify(event.data)})`);
        return event.jsep.sdp;
      },
      subscribe: () => Promise.reject(new Error('the Janus publisher does not subscribe')),
      subscriberAnswer: () => Promise.reject(new Error('the Janus publisher does not subscribe')),
    },
    {
      bindAddress: options.bindAddress,
      videoPacketsPerFrame: options.videoPacketsPerFrame,
      videoPayloadBytes: options.videoPayloadBytes,
      simulcast: options.simulcast,
    },
  );
  await publisher.startPublishing({ audio: true, video: true });
  // The bot's simulcast frame: ⌈n/6⌉, ⌈n/3⌉ and n packets for the three layers; the top one is forwarded.
  const n = options.videoPacketsPerFrame;
  topLayerShare = options.simulcast ? n / (Math.ceil(n / 6) + Math.ceil(n / 3) + n) : 1;
  for (let i = 0; i < options.subscribers; i++) {
    const handle = await session.attach(VIDEOROOM);
    const subscriber = new AnsweringSubscriber(options.bindAddress);
    subscribers.push(subscriber);
    // Janus's default for a simulcast feed is the top layer (substream 2), as in Parley's run.
    const joined = await joinSubscriber(handle, feed);
    if (!joined.jsep) throw new Error(`janus: no offer to subscriber ${i} (${JSON.stringify(joined.data)})`);
    const answer = await subscriber.answer(joined.jsep.sdp);
    await handle.message({ request: 'start' }, { type: 'answer', sdp: answer });
  }
  return { feed };
}

serve(
  {
    start: (options: JanusLoadOptions) => start(options),
    /** Whether Janus answers on HTTP yet (the benchmark's readiness probe). */
    probe: async (base: string) => {
      try {
        const response = await fetch(`${base}/info`);
        return response.ok;
      } catch {
        return false;
      }
    },
    measure: () => ({
      received: subscribers.reduce((sum, s) => sum + s.received(), 0),
      receiving: subscribers.filter((s) => s.receivedVideo() > 0).length,
      /** Subscribers whose last video packet came from the top simulcast layer (payload 0xa2). */
      onTopLayer: subscribers.filter((s) => s.lastVideoFill() === 0xa2).length,
      /** Packets the publisher sent on the streams Janus forwards (microphone, top video layer). */
      forwardedSent: Math.round(
        (publisher?.sentPackets('camera') ?? 0) * topLayerShare + (publisher?.sentPackets('mic') ?? 0),
      ),
      /** Every packet the publisher sent (all layers, and audio). */
      publisherSent: (publisher?.sentPackets('camera') ?? 0) + (publisher?.sentPackets('mic') ?? 0),
      loadCpuMicros: cpuMicros(),
    }),
    /** Floor: k UDP receivers on `address`; their ports. */
    floorReceivers: async (address: string, k: number) => {
      for (let i = 0; i < k; i++) {
        const socket = dgram.createSocket('udp4');
        socket.on('message', () => floorReceived++);
        await new Promise<void>((resolve) => socket.bind(0, address, resolve));
        socket.setRecvBufferSize(4 * 1024 * 1024);
        sockets.push(socket);
      }
      return sockets.map((socket) => socket.address().port);
    },
    /** Floor: send `pps` datagrams of `bytes` per second to the relay, in 10 ms ticks. */
    floorSend: async (
      address: string,
      relayAddress: string,
      relayPort: number,
      pps: number,
      bytes: number,
    ) => {
      const sender = dgram.createSocket('udp4');
      sockets.push(sender);
      await new Promise<void>((resolve) => sender.bind(0, address, resolve));
      sender.connect(relayPort, relayAddress);
      await new Promise((resolve) => sender.once('connect', resolve));
      const packet = Buffer.alloc(bytes, 0xa5);
      floorTicker = setInterval(() => {
        for (let i = 0; i < pps / 100; i++) sender.send(packet);
      }, 10);
    },
    floorReceived: () => floorReceived,
  },
  async () => {
    clearInterval(floorTicker);
    for (const socket of sockets) socket.close();
    await publisher?.close();
    for (const subscriber of subscribers) subscriber.close();
    await session?.destroy();
    await MediaBot.releaseNative();
  },
);
