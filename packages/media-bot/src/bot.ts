/**
 * MediaBot: a WebRTC participant without a browser, for integration tests and benchmarks.
 *
 * Built on node-datachannel (cheap enough to run many bots next to the SFU on a small machine) and
 * shaped like Chromium where the SFU can tell the difference:
 * - it makes the first offer on both connections (publish: sendonly audio+video; subscribe: a data
 *   channel only) and answers the SFU's re-offers, closing the tracks of removed (port 0) m-lines;
 * - its publish offer lists Chromium's extra codecs (RED, G722, PCMU, telephone-event, RTX with an
 *   ssrc-group, H264, VP9), header extensions (audio level, transport-cc, mid) and `a=ssrc` lines;
 * - it sends synthetic RTP at realistic rates: Opus 50 packets/s with the audio-level extension, VP8
 *   at 25 frames/s split into several packets with the marker bit on the last one and a VP8 payload
 *   descriptor, key frames at start, on PLI and every 4 s; plus a Sender Report per stream each second;
 * - it stops a source like `removeTrack` does (m-line inactive) and can reuse that m-line later.
 * - it answers the SFU's NACKs for its video with plain retransmissions (same SSRC and sequence number,
 *   as Chromium does without RTX) from a history of its last HISTORY_SIZE packets per stream, or with
 *   `rtx` as RFC 4588 retransmissions on each layer's RTX SSRC (and padding-only RTX packets, as
 *   Chromium's bandwidth probes, with `rtxPadding`);
 * Differences from Chromium: no RTCP receiver reports or congestion feedback, no real codec payload.
 *
 * Wiring: the bot calls `signal` for its requests; whoever carries signaling (the in-process
 * MediaHarness, or a WebSocket client) passes each `subscriber-offer` event to handleSubscriberOffer().
 *
 *   const bot = new MediaBot({ publish, subscribe, subscriberAnswer }, options);
 *   await bot.startSubscribing();            // then: subscriber-offer → bot.handleSubscriberOffer(sdp, tracks)
 *   await bot.startPublishing({ audio: true, video: true });   // mic on mid 0, camera on mid 1
 *   await bot.publishSource('screen', '2');  // renegotiates the publish connection
 *   await bot.unpublishSource('screen');
 *   bot.received().get(`${otherId}:camera`); // { packets, bytes, payloadType, ssrc, keyframes, senderReports }
 *   bot.subscribedTracks(); bot.offersHandled(); bot.pliReceived(); bot.nackStats(); bot.requestKeyframe(key);
 *   bot.sentPackets('camera'); bot.publisherNackStats();   // with uplinkLoss: NACKs from the SFU answered
 *   await bot.close();
 *
 * A process running bots without a media plane calls `MediaBot.releaseNative()` at the end so that
 * Node can exit (a media plane's close() does it otherwise).
 */
import type { PublishedTrack, SubscribedTrack, TrackSource } from '@parley/sfu';
import { kindOfSource } from '@parley/sfu';
import {
  buildNack,
  buildPli,
  buildReceiverFeedback,
  buildSenderReport,
  isRtcp,
  isVp8KeyframeStart,
  OUTGOING_RTX_PAYLOAD_TYPE,
  parseRtcp,
  ReceptionStats,
  RTCP_RTPFB,
  restoreRetransmission,
  rtpPayloadOffset,
} from '@parley/sfu/rtp';
import {
  describeMedia,
  parseSdp,
  parseTransportFeedback,
  readTransportSequence,
  releaseNative,
  retainUntilCleanup,
  retainUntilClosed,
  TRANSPORT_CC_FORMAT,
  TransportArrivals,
  writeSdp,
} from '@parley/sfu/transport';
import ndc, {
  type Audio,
  type DataChannel,
  type PeerConnection,
  type RtcConfig,
  type Track,
  type Video,
} from 'node-datachannel';
import { hostCandidate, LossyRelay } from './lossy-relay.js';

export interface MediaBotSignal {
  publish(sdp: string, tracks: PublishedTrack[]): Promise<string>;
  subscribe(sdp: string): Promise<string>;
  subscriberAnswer(sdp: string): Promise<void>;
}

export interface MediaBotOptions {
  /** Local address for the bot's sockets (default 127.0.0.1). */
  bindAddress?: string;
  /** VP8 packets per frame (default 6: 150 packets/s at 25 frames/s). */
  videoPacketsPerFrame?: number;
  /** Bytes of VP8 payload per packet (default 900). */
  videoPayloadBytes?: number;
  /** Payload types in the bot's offer (Chromium: Opus 111, VP8 96; Firefox: 109, 120). */
  payloadTypes?: { opus: number; vp8: number };
  /**
   * Lose every n-th video packet on the way from the SFU to this bot (once per sequence number), in a
   * UDP relay before SRTP decryption, as a network would; the bot NACKs the gaps like a browser. 0: off.
   */
  downlinkLoss?: number;
  /**
   * Lose every n-th video packet on the way from this bot to the SFU (once per sequence number), in a
   * UDP relay after SRTP encryption; the SFU's NACKs bring them back. 0: off.
   */
  uplinkLoss?: number;
  /**
   * Publish the camera as Chromium's SSRC simulcast (`a=ssrc-group:SIM low mid high`): three streams,
   * 180p/360p/720p in their key frames, 1/6, 1/3 and all of videoPacketsPerFrame per frame, payload
   * filled with 0xa0 + layer, VP8 descriptors with a 15-bit picture id counting per layer.
   */
  simulcast?: boolean;
  /** Simulcast with the SIM group's first SSRC carrying the largest picture (720p) and the last 180p. */
  simulcastLargestFirst?: boolean;
  /**
   * With `simulcast`: announce the layers the way Firefox does, by RID (`a=rid:l/m/h send`,
   * `a=simulcast:send l;m;h`, every layer's SSRC listed in another order, no SIM group), each packet
   * naming its layer in the rtp-stream-id header extension (id 10).
   */
  ridSimulcast?: boolean;
  /**
   * Simulcast: how many layers of the SIM group, from its first SSRC, carry packets (default 3).
   * Chromium sent only the first one (at 720p) when its munged layers had no resolution scaling.
   */
  simulcastLayersSent?: number;
  /**
   * Number the audio packets in the transport-wide sequence extension (id 3, as offered) and collect
   * the SFU's transport feedback (transportReports()). Default false.
   */
  transportCc?: boolean;
  /** With transportCc: never send every n-th numbered packet (0: send all), to see it reported lost. */
  transportCcSkipEvery?: number;
  /**
   * As a subscriber, like a browser that negotiated transport-cc: note the transport-wide number
   * (id 3) of every RTP packet received on the subscribe connection and send feedback every 100 ms
   * (subscriberTransportSequences()). Default false.
   */
  subscriberTransportCc?: boolean;
  /** Audio level the microphone reports (RFC 6464: 0 loudest … 127 silence; default 30, speech). */
  audioLevel?: number;
  /** Key frames every 4 s besides those asked for (default true); off, only requests bring one. */
  periodicKeyframes?: boolean;
  /**
   * Answer the SFU's NACKs as Chromium does with RTX negotiated (RFC 4588): on the layer's RTX SSRC
   * (FID group) with payload type 97 and the RTX stream's own sequence numbers, the original sequence
   * number (OSN) before the payload; with ridSimulcast the layer's RID in the repaired-rtp-stream-id
   * extension (id 11) instead of rtp-stream-id. Default false: plain retransmissions.
   */
  rtx?: boolean;
  /** With rtx: padding-only RTX packets (Chromium's bandwidth probes) per video frame and layer. */
  rtxPadding?: number;
  /**
   * With rtx and ridSimulcast: announce no RTX SSRC (no FID groups), so the SFU must learn each
   * layer's RTX SSRC from the repaired-rtp-stream-id extension. Publish video only: with one m-line
   * libdatachannel hands the SFU packets of SSRCs the offer does not announce.
   */
  rtxWithoutFid?: boolean;
  /**
   * As a subscriber, accept the RTX the SFU offers with its video (RFC 4588): retransmissions then
   * arrive on the RTX SSRC and are unwrapped (rtxReceived()). Default false: the bot's answer drops
   * the RTX payload type, like a receiver without RTX, and gets plain retransmissions.
   */
  subscriberRtx?: boolean;
  /**
   * Publish audio as Chromium does with Opus RED negotiated (RFC 2198, PT 63): each packet carries the
   * previous frame (40 bytes of 0x5b) as a redundant block, then its own (60 bytes of 0x5a). Default false.
   */
  red?: boolean;
  /**
   * As a subscriber, keep the RED the SFU offers with audio from a RED publisher (default true, as
   * libdatachannel answers); false drops PT 63 from the answer, like a receiver without RED.
   */
  subscriberRed?: boolean;
  /**
   * As a subscriber, NACK lost audio like video (the SFU offers `nack` for Opus; libdatachannel's answer
   * keeps it), and with downlinkLoss lose every n-th Opus packet (PT 111) too. Default false.
   */
  audioNack?: boolean;
}

/** What a subscriber bot with subscriberRtx received on RTX streams. */
export interface RtxReceived {
  /** Retransmissions unwrapped, and padding-only RTX packets. */
  retransmissions: number;
  padding: number;
  /** The OSN of each retransmission, in arrival order (the first 10,000). */
  originalSequences: number[];
  /** RTX SSRCs seen, and RTX sequence numbers that did not follow the previous one of their SSRC. */
  ssrcs: Set<number>;
  sequenceJumps: number;
}

export interface ReceivedStream {
  packets: number;
  bytes: number;
  /** Payload type and SSRC of the last packet. */
  payloadType: number;
  ssrc: number;
  keyframes: number;
  senderReports: number;
  /** Fill byte of the last video packet's payload (the simulcast bot marks layers with it). */
  lastFill: number;
  /** VP8 picture ids that did not follow the previous frame's (simulcast switches must hide them). */
  pictureIdJumps: number;
  /** Last VP8 picture id seen, -1 before. */
  pictureId: number;
  /** Frames whose RTP timestamp did not move forward by at most a second from the previous frame's. */
  timestampJumps: number;
  /** RTP timestamp of the last frame's first packet (-1 before). */
  frameTimestamp: number;
  /** Sequence number of the last packet received (-1: none yet). */
  sequence: number;
  /** Bytes of the last packet's payload (after header and extensions), and the fewest seen. */
  payloadBytes: number;
  smallestPayload: number;
  /** Every payload type seen on the stream (retransmissions included). */
  payloadTypes: Set<number>;
}

interface SendingStream {
  mid: string;
  /** What the m-line carries now (a reused m-line may change source). */
  source: TrackSource;
  kind: 'audio' | 'video';
  ssrc: number;
  track: Track;
  active: boolean;
  sequence: number;
  timestamp: number;
  packets: number;
  octets: number;
  /** Simulcast camera: the layers low → high (the last one is this stream itself). */
  layers?: SendingStream[];
  pictureId?: number;
  /** Video: the last HISTORY_SIZE packets sent, by sequence number modulo HISTORY_SIZE (NACK answers). */
  history?: (Buffer | undefined)[];
  /** Video: the SSRC of its RTX stream (FID group) and the RTX stream's next sequence number. */
  rtxSsrc?: number;
  rtxSequence?: number;
}

interface ReceivingTrack {
  track: Track;
  key: string | null;
  kind: 'audio' | 'video';
  /** Highest sequence number seen, -1 before the first packet. */
  highest: number;
  /** Sequence numbers NACKed and not yet received. */
  missing: Set<number>;
}

const TICK_MS = 20;
const KEYFRAME_EVERY_FRAMES = 100;
const SENDER_REPORT_EVERY_TICKS = 50;
/** Video packets kept per stream to answer NACKs (a power of two: about 3 s at 150 packets/s). */
const HISTORY_SIZE = 512;

export class MediaBot {
  private publishPc: PeerConnection | null = null;
  private subscribePc: PeerConnection | null = null;
  private dataChannel: DataChannel | null = null;
  private relay: LossyRelay | null = null;
  private uplinkRelay: LossyRelay | null = null;
  private publisherNacks = { requested: 0, resent: 0 };
  /** With rtx: retransmissions and padding-only packets sent on the RTX SSRCs. */
  private rtxSent = { retransmissions: 0, padding: 0 };
  private readonly sending = new Map<string, SendingStream>();
  private readonly receiving = new Map<string, ReceivingTrack>();
  private readonly stats = new Map<string, ReceivedStream>();
  private trackList: SubscribedTrack[] = [];
  private offers = 0;
  private latestOffer = '';
  private plis = 0;
  private plisThisTick = false;
  private nacks = { sent: 0, recovered: 0 };
  private keyframePending = true;
  private keyframeRequestsToIgnore = 0;
  private frame = 0;
  private tick = 0;
  private ticker: NodeJS.Timeout | null = null;
  private subscribeQueue: Promise<void> = Promise.resolve();
  private readonly rtcpSsrc = randomSsrc();
  /** transportCc: the next transport-wide sequence number, and what the SFU's feedback reported. */
  private transportSequence = 1;
  /** subscriberTransportCc: arrivals on the subscribe connection, the numbers seen, the feedback clock. */
  private readonly subscribeArrivals = new TransportArrivals();
  private readonly subscribeTransportSeen: number[] = [];
  private subscribeFeedbackClock: NodeJS.Timeout | null = null;
  private subscribeLastSsrc = 0;
  private readonly transportReported = new Map<number, number | null>();
  private transportFeedbacks = 0;
  private options: Required<MediaBotOptions>;
  private closed = false;

  constructor(
    private readonly signal: MediaBotSignal,
    options: MediaBotOptions = {},
  ) {
    this.options = {
      bindAddress: options.bindAddress ?? '127.0.0.1',
      videoPacketsPerFrame: options.videoPacketsPerFrame ?? 6,
      videoPayloadBytes: options.videoPayloadBytes ?? 900,
      payloadTypes: options.payloadTypes ?? { opus: 111, vp8: 96 },
      downlinkLoss: options.downlinkLoss ?? 0,
      uplinkLoss: options.uplinkLoss ?? 0,
      audioLevel: options.audioLevel ?? 30,
      periodicKeyframes: options.periodicKeyframes ?? true,
      simulcast: options.simulcast ?? false,
      simulcastLargestFirst: options.simulcastLargestFirst ?? false,
      ridSimulcast: options.ridSimulcast ?? false,
      simulcastLayersSent: options.simulcastLayersSent ?? 3,
      transportCc: options.transportCc ?? false,
      transportCcSkipEvery: options.transportCcSkipEvery ?? 0,
      subscriberTransportCc: options.subscriberTransportCc ?? false,
      rtx: options.rtx ?? false,
      rtxPadding: options.rtxPadding ?? 0,
      rtxWithoutFid: options.rtxWithoutFid ?? false,
      subscriberRtx: options.subscriberRtx ?? false,
      red: options.red ?? false,
      subscriberRed: options.subscriberRed ?? true,
      audioNack: options.audioNack ?? false,
    };
  }

  /** Open the publish connection with a microphone (mid 0) and/or camera (mid 1) and start sending. */
  async startPublishing(what: { audio: boolean; video: boolean }): Promise<void> {
    if (this.publishPc) throw new Error('already publishing');
    // libdatachannel aborts the process when asked to offer nothing.
    if (!what.audio && !what.video) throw new Error('nothing to publish');
    const pc = new ndc.PeerConnection('bot-pub', this.rtcConfig(false));
    this.publishPc = pc;
    if (what.audio) this.addSendingStream('0', 'mic');
    if (what.video) this.addSendingStream('1', 'camera');
    await this.negotiatePublish();
    this.ticker ??= setInterval(() => this.sendTick(), TICK_MS);
  }

  /** Publish another source on a new m-line, or on `mid` again after it was unpublished. */
  async publishSource(source: TrackSource, mid: string): Promise<void> {
    if (!this.publishPc) throw new Error('not publishing');
    const existing = this.sending.get(mid);
    if (existing?.active) throw new Error(`mid ${mid} is in use`);
    this.addSendingStream(mid, source);
    await this.negotiatePublish();
  }

  /** Stop sending a source, as a browser does after removeTrack: its m-line becomes inactive. */
  async unpublishSource(source: TrackSource): Promise<void> {
    const stream = [...this.sending.values()].find((s) => s.source === source && s.active);
    if (!stream || !this.publishPc) throw new Error(`${source} is not published`);
    stream.active = false;
    const media =
      stream.kind === 'audio' ? new ndc.Audio(stream.mid, 'Inactive') : new ndc.Video(stream.mid, 'Inactive');
    this.addCodecs(media);
    // Same mid: libdatachannel updates the existing track's description and returns a second wrapper.
    retainUntilCleanup(this.publishPc.addTrack(media));
    await this.negotiatePublish();
  }

  /**
   * Open the subscribe connection: an offer with a data channel only. Offers that arrive before its
   * answer is applied (signaling may deliver them in the same tick) wait for it.
   */
  startSubscribing(): Promise<void> {
    const connected = this.connectSubscriber();
    this.subscribeQueue = connected.catch(() => {});
    return connected;
  }

  private async connectSubscriber(): Promise<void> {
    if (this.subscribePc) throw new Error('already subscribing');
    const pc = new ndc.PeerConnection('bot-sub', this.rtcConfig(true));
    this.subscribePc = pc;
    pc.onTrack((track) => this.receiveTrack(track));
    this.dataChannel = retainUntilClosed(pc.createDataChannel('parley'));
    pc.setLocalDescription('offer');
    await gatheringComplete(pc);
    let answer = await this.signal.subscribe(this.localSdp(pc));
    if (this.closed) return;
    if (this.options.downlinkLoss > 0) {
      this.relay = await LossyRelay.open(
        hostCandidate(answer),
        lossEvery(this.options.downlinkLoss, 96, this.options.audioNack ? 111 : -1),
      );
      answer = this.relay.redirect(answer);
    }
    pc.setRemoteDescription(answer, 'answer');
  }

  /** Apply a `subscriber-offer` event and send the answer. Offers are handled one at a time, in order. */
  handleSubscriberOffer(sdp: string, tracks: SubscribedTrack[]): Promise<void> {
    const next = this.subscribeQueue.then(() => this.answerOffer(sdp, tracks));
    this.subscribeQueue = next.catch(() => {});
    return next;
  }

  /** Packets received per `${participantId}:${source}` (kept after the track is removed). */
  /**
   * transportCc: what the SFU's transport feedback said of each numbered packet (arrival in its µs, or
   * null: not received), and how many feedback messages came.
   */
  transportReports(): { reported: ReadonlyMap<number, number | null>; messages: number } {
    return { reported: this.transportReported, messages: this.transportFeedbacks };
  }

  received(): Map<string, ReceivedStream> {
    return new Map([...this.stats].map(([key, value]) => [key, { ...value }]));
  }

  /** The tracks of the subscribe connection after the last offer. */
  subscribedTracks(): SubscribedTrack[] {
    return [...this.trackList];
  }

  offersHandled(): number {
    return this.offers;
  }

  /** The last offer received on the subscribe connection ('' before the first). */
  lastOffer(): string {
    return this.latestOffer;
  }

  /** Key frame requests (PLI/FIR) received for the bot's published video. */
  pliReceived(): number {
    return this.plis;
  }

  nackStats(): { sent: number; recovered: number } {
    return { ...this.nacks };
  }

  /** subscriberRtx: the RTX packets received (retransmissions and padding). */
  rtxReceived(): RtxReceived {
    return {
      ...this.rtx,
      originalSequences: [...this.rtx.originalSequences],
      ssrcs: new Set(this.rtx.ssrcs),
    };
  }

  /** Every sequence number this bot NACKed as a subscriber (the first 10,000). */
  nackedSequences(): readonly number[] {
    return this.nackedList;
  }

  private readonly rtx: RtxReceived = {
    retransmissions: 0,
    padding: 0,
    originalSequences: [],
    ssrcs: new Set(),
    sequenceJumps: 0,
  };
  private readonly rtxLastSequence = new Map<number, number>();
  private readonly nackedList: number[] = [];

  /** Video packets sent by a published source (its simulcast layers together), retransmissions not counted. */
  sentPackets(source: TrackSource): number {
    const stream = [...this.sending.values()].find((s) => s.source === source);
    if (!stream) return 0;
    return (stream.layers ?? [stream]).reduce((sum, layer) => sum + layer.packets, 0);
  }

  /** Sequence numbers the SFU NACKed on the publish connection, and those the bot sent again. */
  publisherNackStats(): { requested: number; resent: number } {
    return { ...this.publisherNacks };
  }

  /** With rtx: retransmissions and padding-only packets sent on the RTX SSRCs. */
  rtxStats(): { retransmissions: number; padding: number } {
    return { ...this.rtxSent };
  }

  /** The RTX SSRCs of a published video source, its layers' lowest first (what the offer pairs by FID). */
  publishedRtxSsrcs(source: TrackSource): number[] {
    const stream = [...this.sending.values()].find((s) => s.source === source);
    if (!stream) return [];
    return (stream.layers ?? [stream]).map((layer) => layer.rtxSsrc ?? 0);
  }

  /** The sequence number the next packet of a published source will carry (its first layer's). */
  nextSequence(source: TrackSource): number {
    const stream = [...this.sending.values()].find((s) => s.source === source);
    return (stream?.layers?.[0] ?? stream)?.sequence ?? -1;
  }

  /** Send a PLI for a received track (`${participantId}:${source}`), as a browser does after loss. */
  requestKeyframe(key: string): boolean {
    const stats = this.stats.get(key);
    const receiving = [...this.receiving.values()].find((r) => r.key === key);
    if (!stats || !receiving?.track.isOpen()) return false;
    return receiving.track.sendMessageBinary(buildPli(this.rtcpSsrc, stats.ssrc));
  }

  /** Speak (a low level such as 20) or fall silent (127) from the next audio packet on. */
  /** The next `count` key frame requests are counted but not answered (a lost PLI). */
  ignoreKeyframeRequests(count: number): void {
    this.keyframeRequestsToIgnore = count;
  }

  setAudioLevel(level: number): void {
    this.options = { ...this.options, audioLevel: level };
  }

  /**
   * Send a bandwidth estimate (REMB, with an empty receiver report) for a received track, as a
   * browser does for the streams it receives.
   */
  sendEstimate(key: string, bitsPerSecond: number): boolean {
    const stats = this.stats.get(key);
    const receiving = [...this.receiving.values()].find((r) => r.key === key);
    if (!stats || !receiving?.track.isOpen()) return false;
    const reception = new ReceptionStats();
    reception.received(0);
    const feedback = buildReceiverFeedback(
      this.rtcpSsrc,
      [{ ssrc: stats.ssrc, stats: reception }],
      bitsPerSecond,
    );
    return feedback !== null && receiving.track.sendMessageBinary(feedback);
  }

  /**
   * Send any RTCP packet, unchanged, over the publish connection (on the first published track) or the
   * subscribe connection (on the first received track): SRTCP-protected like the bot's own reports.
   * For hostile-participant tests. False when that connection has no open track.
   */
  sendRawRtcp(connection: 'publish' | 'subscribe', packet: Buffer): boolean {
    const tracks =
      connection === 'publish'
        ? [...this.sending.values()].map((stream) => stream.track)
        : [...this.receiving.values()].map((receiving) => receiving.track);
    const track = tracks.find((t) => t.isOpen());
    if (!track) return false;
    try {
      return track.sendMessageBinary(packet);
    } catch {
      return false;
    }
  }

  /** subscriberTransportCc: the transport-wide numbers of the packets received, in arrival order. */
  subscriberTransportSequences(): readonly number[] {
    return this.subscribeTransportSeen;
  }

  /** SSRC of a published source (what the SFU sees), if published. */
  publishedSsrc(source: TrackSource): number | undefined {
    return [...this.sending.values()].find((s) => s.source === source)?.ssrc;
  }

  /** Hostile-participant tests: send raw bytes on a received track (`${participantId}:${source}`). */
  sendOnReceivedTrack(key: string, packet: Buffer): boolean {
    const receiving = [...this.receiving.values()].find((r) => r.key === key);
    if (!receiving?.track.isOpen()) return false;
    return receiving.track.sendMessageBinary(packet);
  }

  /** Hostile-participant tests: send raw bytes on the track of a published source. */
  sendOnPublishedTrack(source: TrackSource, packet: Buffer): boolean {
    const stream = [...this.sending.values()].find((s) => s.source === source && s.active);
    if (!stream?.track.isOpen()) return false;
    return stream.track.sendMessageBinary(packet);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.subscribeFeedbackClock) clearInterval(this.subscribeFeedbackClock);
    this.ticker = null;
    for (const stream of this.sending.values()) stream.track.close();
    for (const receiving of this.receiving.values()) receiving.track.close();
    this.sending.clear();
    this.receiving.clear();
    this.dataChannel?.close();
    this.relay?.close();
    this.uplinkRelay?.close();
    this.publishPc?.close();
    this.subscribePc?.close();
    this.publishPc = null;
    this.subscribePc = null;
    await this.subscribeQueue;
  }

  /**
   * libdatachannel keeps the process alive until its global cleanup: call this once when no bot (and no
   * media plane) of the process is in use any more. A media plane's close() does it for its process.
   */
  static releaseNative(): Promise<void> {
    return releaseNative();
  }

  private rtcConfig(forceMediaTransport: boolean): RtcConfig {
    return {
      iceServers: [],
      disableAutoNegotiation: true,
      forceMediaTransport,
      bindAddress: this.options.bindAddress,
    };
  }

  private addCodecs(media: Audio | Video): void {
    const { opus, vp8 } = this.options.payloadTypes;
    if ('addOpusCodec' in media) {
      media.addOpusCodec(opus, 'minptime=10;useinbandfec=1');
      media.addAudioCodec(63, 'red', `${opus}/${opus}`);
      media.parseSdpLine('a=rtpmap:9 G722/8000');
      media.parseSdpLine('a=rtpmap:0 PCMU/8000');
      media.parseSdpLine('a=rtpmap:126 telephone-event/8000');
      media.parseSdpLine(`a=rtcp-fb:${opus} transport-cc`);
      media.parseSdpLine('a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level');
      media.parseSdpLine(
        'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      );
      media.parseSdpLine('a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid');
    } else {
      media.addVP8Codec(vp8);
      media.addRTXCodec(97, vp8, 90000);
      media.addH264Codec(102);
      media.addRTXCodec(103, 102, 90000);
      media.addVP9Codec(98);
      media.parseSdpLine(`a=rtcp-fb:${vp8} transport-cc`);
      media.parseSdpLine(`a=rtcp-fb:${vp8} ccm fir`);
      media.parseSdpLine(
        'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      );
      media.parseSdpLine('a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid');
      media.parseSdpLine('a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
      media.parseSdpLine('a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id');
    }
  }

  private addSendingStream(mid: string, source: TrackSource): void {
    const kind = kindOfSource(source);
    const existing = this.sending.get(mid);
    const ssrc = existing?.ssrc ?? randomSsrc();
    const media = kind === 'audio' ? new ndc.Audio(mid, 'SendOnly') : new ndc.Video(mid, 'SendOnly');
    this.addCodecs(media);
    media.addSSRC(ssrc, 'botcname', 'botstream', `bot-${source}`);
    const rtxSsrc = kind === 'video' ? (existing?.rtxSsrc ?? randomSsrc()) : undefined;
    const announceRtx = !(this.options.rtx && this.options.rtxWithoutFid);
    const pairWithRtx = (mediaSsrc: number, repairSsrc: number) => {
      if (!announceRtx) return;
      media.addSSRC(repairSsrc, 'botcname', 'botstream', `bot-${source}`);
      media.parseSdpLine(`a=ssrc-group:FID ${mediaSsrc} ${repairSsrc}`);
    };
    if (rtxSsrc !== undefined) pairWithRtx(ssrc, rtxSsrc);
    const simulcastLayers =
      kind === 'video' && source === 'camera' && this.options.simulcast
        ? (existing?.layers?.slice(0, 2).map((layer) => layer.ssrc) ?? [randomSsrc(), randomSsrc()])
        : null;
    // With rtx every layer has its RTX stream (the web app munges FID groups for Chromium's layers).
    const layerRtxSsrcs =
      simulcastLayers && this.options.rtx
        ? (existing?.layers?.slice(0, 2).map((layer) => layer.rtxSsrc!) ?? [randomSsrc(), randomSsrc()])
        : null;
    if (simulcastLayers && this.options.ridSimulcast) {
      // Highest layer first (it is the m-line's own SSRC), then 360p, then 180p: not the RID order.
      for (const layer of [simulcastLayers[1]!, simulcastLayers[0]!])
        media.addSSRC(layer, 'botcname', 'botstream', `bot-${source}`);
      for (const rid of RIDS) media.parseSdpLine(`a=rid:${rid} send`);
      media.parseSdpLine(`a=simulcast:send ${RIDS.join(';')}`);
    } else if (simulcastLayers) {
      for (const layer of simulcastLayers) media.addSSRC(layer, 'botcname', 'botstream', `bot-${source}`);
      media.parseSdpLine(`a=ssrc-group:SIM ${simulcastLayers.join(' ')} ${ssrc}`);
    }
    if (simulcastLayers && layerRtxSsrcs)
      for (let i = 0; i < 2; i++) pairWithRtx(simulcastLayers[i]!, layerRtxSsrcs[i]!);
    if (kind === 'video') this.keyframePending = true;
    if (existing) {
      existing.history ??= kind === 'video' ? new Array(HISTORY_SIZE) : undefined;
      // A browser reusing a transceiver: same m-line, same SSRC, new source. libdatachannel updates the
      // existing track's description and returns a second wrapper of it.
      if (existing.kind !== kind) throw new Error(`mid ${mid} carries ${existing.kind}`);
      retainUntilCleanup(this.publishPc!.addTrack(media));
      existing.source = source;
      existing.active = true;
      return;
    }
    const track = retainUntilClosed(this.publishPc!.addTrack(media));
    const stream: SendingStream = {
      mid,
      source,
      kind,
      ssrc,
      track,
      active: true,
      sequence: Math.floor(Math.random() * 65536),
      timestamp: Math.floor(Math.random() * 2 ** 32),
      packets: 0,
      octets: 0,
      history: kind === 'video' ? new Array(HISTORY_SIZE) : undefined,
      rtxSsrc,
      rtxSequence: Math.floor(Math.random() * 65536),
    };
    if (simulcastLayers) {
      const layer = (layerSsrc: number, layerRtxSsrc: number | undefined): SendingStream => ({
        ...stream,
        ssrc: layerSsrc,
        sequence: Math.floor(Math.random() * 65536),
        timestamp: Math.floor(Math.random() * 2 ** 32),
        pictureId: Math.floor(Math.random() * 0x8000),
        history: new Array(HISTORY_SIZE),
        rtxSsrc: layerRtxSsrc,
        rtxSequence: Math.floor(Math.random() * 65536),
      });
      stream.pictureId = Math.floor(Math.random() * 0x8000);
      stream.layers = [
        layer(simulcastLayers[0]!, layerRtxSsrcs?.[0]),
        layer(simulcastLayers[1]!, layerRtxSsrcs?.[1]),
        stream,
      ];
    }
    track.onMessage((message) => this.receivePublisherFeedback(stream, message));
    this.sending.set(mid, stream);
  }

  private async negotiatePublish(): Promise<void> {
    const pc = this.publishPc!;
    pc.setLocalDescription('offer');
    await gatheringComplete(pc);
    const tracks = [...this.sending.values()]
      .filter((stream) => stream.active)
      .map(({ mid, source }) => ({ mid, source }));
    let answer = await this.signal.publish(this.localSdp(pc), tracks);
    if (this.closed) return;
    if (this.options.uplinkLoss > 0) {
      this.uplinkRelay ??= await LossyRelay.open(
        hostCandidate(answer),
        () => false,
        lossEvery(this.options.uplinkLoss, this.options.payloadTypes.vp8),
      );
      answer = this.uplinkRelay.redirect(answer);
    }
    pc.setRemoteDescription(answer, 'answer');
  }

  private localSdp(pc: PeerConnection): string {
    return pc.localDescription()!.sdp;
  }

  private receivePublisherFeedback(stream: SendingStream, message: Buffer): void {
    if (!isRtcp(message)) return;
    if (message[1] === RTCP_RTPFB && (message[0]! & 0x1f) === TRANSPORT_CC_FORMAT) {
      const feedback = parseTransportFeedback(message);
      if (feedback !== null) {
        this.transportFeedbacks++;
        for (const packet of feedback.packets) this.transportReported.set(packet.sequence, packet.arrivalUs);
      }
      return;
    }
    for (const rtcp of parseRtcp(message)) {
      if (rtcp.type === 'nack') {
        this.retransmit(stream, rtcp.mediaSsrc, rtcp.lost);
        continue;
      }
      const forUs =
        (rtcp.type === 'pli' && rtcp.mediaSsrc === stream.ssrc) ||
        (rtcp.type === 'pli' &&
          stream.layers?.some((l) => l.ssrc === rtcp.mediaSsrc) &&
          !this.plisThisTick) ||
        (rtcp.type === 'fir' && rtcp.requests.some((r) => r.ssrc === stream.ssrc));
      if (forUs) {
        // The SFU asks every simulcast layer at once: count one request per tick.
        if (!this.plisThisTick) {
          this.plis++;
          // A request lost on the way (or ignored by a busy encoder): counted, not answered.
          if (this.keyframeRequestsToIgnore > 0) {
            this.keyframeRequestsToIgnore--;
            this.plisThisTick = true;
            continue;
          }
        }
        this.plisThisTick = true;
        this.keyframePending = true;
      }
    }
  }

  /**
   * Send the NACKed packets again: unchanged (plain retransmission, as Chromium does without RTX), or
   * with `rtx` as RFC 4588 retransmissions on the layer's RTX SSRC.
   */
  private retransmit(stream: SendingStream, ssrc: number, lost: number[]): void {
    const target = (stream.layers ?? [stream]).find((layer) => layer.ssrc === ssrc);
    if (!target?.history) return;
    this.publisherNacks.requested += lost.length;
    for (const sequence of lost) {
      const packet = target.history[sequence % HISTORY_SIZE];
      if (!packet || packet.readUInt16BE(2) !== sequence || !stream.track.isOpen()) continue;
      try {
        const resent = this.options.rtx ? this.rtxPacket(target, packet) : packet;
        if (stream.track.sendMessageBinary(resent)) {
          this.publisherNacks.resent++;
          if (this.options.rtx) this.rtxSent.retransmissions++;
        }
      } catch {
        // closed meanwhile
      }
    }
  }

  /**
   * RFC 4588: `original` (a packet of `layer`) as a retransmission on the layer's RTX stream: RTX SSRC,
   * payload type and sequence number, the original sequence number before the payload; a RID in the
   * header extension becomes the repaired RID.
   */
  private rtxPacket(layer: SendingStream, original: Buffer): Buffer {
    const offset = rtpPayloadOffset(original);
    const packet = Buffer.alloc(original.length + 2);
    original.copy(packet, 0, 0, offset);
    packet.writeUInt16BE(original.readUInt16BE(2), offset);
    original.copy(packet, offset + 2, offset);
    this.writeRtxHeader(packet, layer, original[1]! & 0x80);
    if (offset > 12 && packet[16] === RID_EXTENSION_ID << 4) packet[16] = REPAIRED_RID_EXTENSION_ID << 4;
    return packet;
  }

  private writeRtxHeader(packet: Buffer, layer: SendingStream, marker: number): void {
    packet[1] = marker | RTX_PAYLOAD_TYPE;
    packet.writeUInt16BE(layer.rtxSequence!, 2);
    packet.writeUInt32BE(layer.rtxSsrc!, 8);
    layer.rtxSequence = (layer.rtxSequence! + 1) & 0xffff;
  }

  /**
   * Padding-only RTX packets on the layer's RTX stream, as Chromium's bandwidth probes (RFC 3550 P
   * bit, no payload, 224 bytes of padding), naming the layer's RID when the layers are RIDs.
   */
  private sendRtxPadding(layer: SendingStream, rid: string | undefined): void {
    const headerBytes = rid === undefined ? 12 : 20;
    const packet = Buffer.alloc(headerBytes + PADDING_BYTES, 0);
    packet[0] = rid === undefined ? 0xa0 : 0xb0; // V=2, P, X with a RID
    packet.writeUInt32BE(layer.timestamp, 4);
    if (rid !== undefined) {
      packet.writeUInt16BE(0xbede, 12);
      packet.writeUInt16BE(1, 14);
      packet[16] = REPAIRED_RID_EXTENSION_ID << 4;
      packet[17] = rid.charCodeAt(0);
    }
    packet[packet.length - 1] = PADDING_BYTES;
    this.writeRtxHeader(packet, layer, 0);
    if (layer.track.sendMessageBinary(packet)) this.rtxSent.padding++;
  }

  private sendTick(): void {
    this.tick++;
    this.plisThisTick = false;
    const videoFrame = this.tick % 2 === 0;
    let keyframe = false;
    if (videoFrame) {
      this.frame++;
      keyframe =
        this.keyframePending || (this.options.periodicKeyframes && this.frame % KEYFRAME_EVERY_FRAMES === 0);
      this.keyframePending = false;
    }
    for (const stream of this.sending.values()) {
      if (!stream.active || !stream.track.isOpen()) continue;
      try {
        if (stream.kind === 'audio') this.sendAudio(stream);
        else if (videoFrame) this.sendVideoFrame(stream, keyframe);
        if (this.tick % SENDER_REPORT_EVERY_TICKS === 0) this.sendSenderReport(stream);
      } catch {
        // the track closed between isOpen() and the send
      }
    }
  }

  private sendAudio(stream: SendingStream): void {
    // One-byte header extension (RFC 8285) with the audio level (id 1) and, with transportCc, the
    // transport-wide sequence number (id 3); then 60 bytes of "Opus".
    const words = this.options.transportCc ? 2 : 1;
    const red = this.options.red;
    const { opus } = this.options.payloadTypes;
    const packet = Buffer.alloc(12 + 4 + words * 4 + (red ? 5 + 40 : 0) + 60, 0x5a);
    writeRtpHeader(packet, red ? 63 : opus, true, stream, 0x90);
    if (red) {
      // One redundant block (the previous frame, 960 samples earlier), then the primary's header.
      const at = 16 + words * 4;
      packet.set([0x80 | opus, 960 >> 6, (960 & 0x3f) << 2, 40, opus], at);
      packet.fill(0x5b, at + 5, at + 45);
    }
    packet.writeUInt16BE(0xbede, 12);
    packet.writeUInt16BE(words, 14);
    packet.fill(0, 16, 16 + words * 4);
    packet[16] = 0x10; // id 1, length 1
    packet[17] = 0x80 | this.options.audioLevel; // voice activity bit, level in -dBov
    let skipped = false;
    if (this.options.transportCc) {
      const sequence = this.transportSequence;
      this.transportSequence = (sequence + 1) & 0xffff;
      packet[18] = 0x31; // id 3, length 2
      packet.writeUInt16BE(sequence, 19);
      const every = this.options.transportCcSkipEvery;
      skipped = every > 0 && sequence % every === 0;
    }
    if (!skipped) stream.track.sendMessageBinary(packet);
    stream.timestamp = (stream.timestamp + 960) >>> 0;
    stream.packets++;
    stream.octets += 60;
  }

  private sendVideoFrame(stream: SendingStream, keyframe: boolean): void {
    const padding = this.options.rtx ? this.options.rtxPadding : 0;
    if (stream.layers) {
      const all = this.options.videoPacketsPerFrame;
      const counts = [Math.ceil(all / 6), Math.ceil(all / 3), all];
      const sent = Math.min(stream.layers.length, this.options.simulcastLayersSent);
      for (let index = 0; index < sent; index++) {
        this.sendSimulcastFrame(stream.layers[index]!, index, counts[index]!, keyframe);
        // After the frame: libwebrtc pads only between complete frames.
        const rid = this.options.ridSimulcast ? RIDS[index] : undefined;
        for (let i = 0; i < padding; i++) this.sendRtxPadding(stream.layers[index]!, rid);
      }
      return;
    }
    const count = this.options.videoPacketsPerFrame;
    for (let i = 0; i < count; i++) {
      const packet = Buffer.alloc(12 + 1 + this.options.videoPayloadBytes, 0xa5);
      writeRtpHeader(packet, this.options.payloadTypes.vp8, i === count - 1, stream, 0x80);
      packet[12] = i === 0 ? 0x10 : 0x00; // VP8 payload descriptor: S bit on the first packet, partition 0
      if (i === 0) {
        // VP8 frame tag: bit 0 is "not a key frame"; key frames carry the start code and dimensions.
        packet[13] = keyframe ? 0x10 : 0x11;
        packet[14] = 0x02;
        packet[15] = 0x00;
        if (keyframe) {
          packet.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 16); // 640x480
        }
      }
      stream.track.sendMessageBinary(packet);
      if (stream.history) stream.history[packet.readUInt16BE(2) % HISTORY_SIZE] = packet;
      stream.packets++;
      stream.octets += packet.length - 12;
    }
    for (let i = 0; i < padding; i++) this.sendRtxPadding(stream, undefined);
    stream.timestamp = (stream.timestamp + 3600) >>> 0; // 90 kHz / 25 fps
  }

  /** One frame of one simulcast layer; its key frames carry the layer's height (180 << layer). */
  private sendSimulcastFrame(layer: SendingStream, index: number, count: number, keyframe: boolean): void {
    const pictureId = layer.pictureId!;
    // One-byte header extensions (RFC 8285): with RID simulcast the layer's RID, with transportCc the
    // transport-wide sequence number (id 3), as a browser numbers its video too.
    const rid = this.options.ridSimulcast;
    const transportCc = this.options.transportCc;
    const extensionBytes = (rid ? 2 : 0) + (transportCc ? 3 : 0);
    const words = Math.ceil(extensionBytes / 4);
    const at = words > 0 ? 16 + 4 * words : 12;
    for (let i = 0; i < count; i++) {
      const packet = Buffer.alloc(at + 4 + this.options.videoPayloadBytes, 0xa0 + index);
      writeRtpHeader(packet, this.options.payloadTypes.vp8, i === count - 1, layer, at === 12 ? 0x80 : 0x90);
      if (at !== 12) {
        packet.writeUInt16BE(0xbede, 12);
        packet.writeUInt16BE(words, 14);
        packet.fill(0, 16, at);
        let offset = 16;
        if (rid) {
          packet.set([(RID_EXTENSION_ID << 4) | 0, RIDS[index]!.charCodeAt(0)], offset);
          offset += 2;
        }
        if (transportCc) {
          const sequence = this.transportSequence;
          this.transportSequence = (sequence + 1) & 0xffff;
          packet[offset] = 0x31; // id 3, length 2
          packet.writeUInt16BE(sequence, offset + 1);
        }
      }
      packet[at] = i === 0 ? 0x90 : 0x80; // X, S on the first packet, partition 0
      packet[at + 1] = 0x80; // I: picture id present
      packet.writeUInt16BE(0x8000 | pictureId, at + 2);
      if (i === 0) {
        packet[at + 4] = keyframe ? 0x10 : 0x11;
        packet[at + 5] = 0x02;
        packet[at + 6] = 0x00;
        if (keyframe) {
          const height = 180 << (this.options.simulcastLargestFirst ? 2 - index : index);
          packet.set([0x9d, 0x01, 0x2a], at + 7);
          packet.writeUInt16LE((height * 16) / 9, at + 10);
          packet.writeUInt16LE(height, at + 12);
        }
      }
      layer.track.sendMessageBinary(packet);
      if (layer.history) layer.history[packet.readUInt16BE(2) % HISTORY_SIZE] = packet;
      layer.packets++;
      layer.octets += packet.length - 12;
    }
    layer.pictureId = (pictureId + 1) & 0x7fff;
    layer.timestamp = (layer.timestamp + 3600) >>> 0;
  }

  private sendSenderReport(stream: SendingStream): void {
    const now = Date.now() / 1000 + 2208988800; // NTP epoch
    const report = buildSenderReport(stream.ssrc, Math.floor(now), (now % 1) * 2 ** 32, stream.timestamp);
    report.writeUInt32BE(stream.packets >>> 0, 20);
    report.writeUInt32BE(stream.octets >>> 0, 24);
    stream.track.sendMessageBinary(report);
  }

  private async answerOffer(sdp: string, tracks: SubscribedTrack[]): Promise<void> {
    const pc = this.subscribePc;
    if (this.closed || !pc) return;
    this.trackList = tracks;
    this.latestOffer = sdp;
    const keys = new Map(tracks.map((t) => [t.mid, `${t.participantId}:${t.source}`]));
    for (const [mid, receiving] of this.receiving) receiving.key = keys.get(mid) ?? null;
    // Like a browser: an m-line removed by the offer (port 0) stops its transceiver; libdatachannel
    // then answers port 0 for it too, once its track is gone.
    for (const media of describeMedia(sdp)) {
      const receiving = this.receiving.get(media.mid);
      if (media.rejected && receiving) {
        receiving.track.close();
        this.receiving.delete(media.mid);
      }
    }
    this.offered = new Map(tracks.map((t) => [t.mid, t]));
    pc.setRemoteDescription(this.relay ? this.relay.redirect(sdp) : sdp, 'offer');
    // libdatachannel throws from setLocalDescription('answer') in any other state (the connection
    // closed or failed meanwhile, natively), and node-datachannel does not catch it: the process aborts.
    const state = pc.signalingState();
    if (state === 'closed') return; // as a browser ignores an offer for a closed connection
    if (state !== 'have-remote-offer') throw new Error(`cannot answer in signaling state ${state}`);
    pc.setLocalDescription('answer');
    const answer = pc.localDescription()!.sdp;
    let kept = this.options.subscriberRtx
      ? answer
      : withoutFormat(answer, 'video', OUTGOING_RTX_PAYLOAD_TYPE);
    if (!this.options.subscriberRed) kept = withoutFormat(kept, 'audio', 63);
    await this.signal.subscriberAnswer(kept);
    this.offers++;
  }

  /** The tracks of the latest offer by mid, for libdatachannel tracks that arrive after it. */
  private offered = new Map<string, SubscribedTrack>();

  private receiveTrack(track: Track): void {
    if (this.closed) {
      retainUntilClosed(track).close();
      return;
    }
    const mid = track.mid();
    const offered = this.offered.get(mid);
    const key = offered ? `${offered.participantId}:${offered.source}` : null;
    const receiving: ReceivingTrack = {
      track,
      key,
      kind: offered?.kind ?? 'video',
      highest: -1,
      missing: new Set(),
    };
    retainUntilClosed(track);
    this.receiving.set(mid, receiving);
    track.onMessage((message) => this.receivePacket(receiving, message));
  }

  /** Like a browser's receiver: NACK the sequence numbers skipped over, count those that come back. */
  private detectLoss(receiving: ReceivingTrack, sequence: number, ssrc: number): void {
    if (receiving.missing.delete(sequence)) {
      this.nacks.recovered++;
      return;
    }
    if (receiving.highest >= 0) {
      const gap = (sequence - receiving.highest) & 0xffff;
      if (gap === 0 || gap > 0x8000) return; // duplicate or old
      const lost: number[] = [];
      for (let i = 1; i < gap && i < 100; i++) lost.push((receiving.highest + i) & 0xffff);
      if (lost.length > 0) {
        for (const seq of lost) receiving.missing.add(seq);
        if (this.nackedList.length < 10_000) this.nackedList.push(...lost);
        this.nacks.sent += lost.length;
        try {
          receiving.track.sendMessageBinary(buildNack(this.rtcpSsrc, ssrc, lost));
        } catch {
          // track closed
        }
      }
    }
    receiving.highest = sequence;
  }

  /** An RTX packet: noted, and turned back into the packet it repeats (null for padding). */
  private unwrapRtx(packet: Buffer, mediaSsrc: number): Buffer | null {
    const rtx = this.rtx;
    const rtxSsrc = packet.readUInt32BE(8);
    const sequence = packet.readUInt16BE(2);
    const last = this.rtxLastSequence.get(rtxSsrc);
    if (last !== undefined && sequence !== ((last + 1) & 0xffff)) rtx.sequenceJumps++;
    this.rtxLastSequence.set(rtxSsrc, sequence);
    rtx.ssrcs.add(rtxSsrc);
    const restored = restoreRetransmission(Buffer.from(packet), mediaSsrc, 96);
    if (restored === null) {
      rtx.padding++;
      return null;
    }
    rtx.retransmissions++;
    if (rtx.originalSequences.length < 10_000) rtx.originalSequences.push(restored.readUInt16BE(2));
    return restored;
  }

  private receivePacket(receiving: ReceivingTrack, packet: Buffer): void {
    if (this.options.subscriberTransportCc && !isRtcp(packet)) {
      const sequence = readTransportSequence(packet, 3);
      if (sequence >= 0) {
        this.subscribeArrivals.record(sequence, performance.now() * 1000);
        // Like libwebrtc: the feedback names the SSRC of the last packet (libdatachannel routes by it).
        this.subscribeLastSsrc = packet.readUInt32BE(8);
        if (this.subscribeTransportSeen.length < 100_000) this.subscribeTransportSeen.push(sequence);
        this.subscribeFeedbackClock ??= setInterval(() => {
          for (const message of this.subscribeArrivals.takeFeedback(this.rtcpSsrc, this.subscribeLastSsrc))
            this.sendRawRtcp('subscribe', message);
        }, 100);
      }
    }
    if (receiving.key === null) return;
    let stats = this.stats.get(receiving.key);
    if (!stats) {
      stats = {
        packets: 0,
        bytes: 0,
        payloadType: -1,
        ssrc: -1,
        keyframes: 0,
        senderReports: 0,
        lastFill: -1,
        pictureIdJumps: 0,
        pictureId: -1,
        timestampJumps: 0,
        frameTimestamp: -1,
        sequence: -1,
        payloadBytes: 0,
        smallestPayload: Number.POSITIVE_INFINITY,
        payloadTypes: new Set(),
      };
      this.stats.set(receiving.key, stats);
    }
    if (isRtcp(packet)) {
      for (const rtcp of parseRtcp(packet)) {
        if (rtcp.type === 'sender-report' && rtcp.ssrc === stats.ssrc) stats.senderReports++;
      }
      return;
    }
    if (packet.length < 12) return;
    if (this.options.subscriberRtx && (packet[1]! & 0x7f) === OUTGOING_RTX_PAYLOAD_TYPE) {
      const restored = this.unwrapRtx(packet, stats.ssrc);
      if (restored === null) return;
      packet = restored;
    }
    const sequence = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    if (receiving.kind === 'video' || this.options.audioNack) this.detectLoss(receiving, sequence, ssrc);
    stats.packets++;
    stats.bytes += packet.length;
    stats.payloadType = packet[1]! & 0x7f;
    stats.payloadTypes.add(stats.payloadType);
    stats.ssrc = ssrc;
    stats.sequence = sequence;
    stats.payloadBytes = packet.length - rtpPayloadOffset(packet);
    stats.smallestPayload = Math.min(stats.smallestPayload, stats.payloadBytes);
    if (receiving.kind === 'video' && isVp8KeyframeStart(packet)) stats.keyframes++;
    if (receiving.kind === 'video') {
      stats.lastFill = packet[packet.length - 1]!;
      // First packet of a frame with a picture id (X, S and I bits): it must follow the last frame's.
      const at = rtpPayloadOffset(packet);
      if ((packet[at]! & 0x90) === 0x90 && packet[at + 1]! & 0x80 && packet[at + 2]! & 0x80) {
        const pictureId = packet.readUInt16BE(at + 2) & 0x7fff;
        if (stats.pictureId >= 0 && pictureId !== ((stats.pictureId + 1) & 0x7fff)) stats.pictureIdJumps++;
        stats.pictureId = pictureId;
        const timestamp = packet.readUInt32BE(4);
        const step = (timestamp - stats.frameTimestamp) >>> 0;
        if (stats.frameTimestamp >= 0 && (step === 0 || step > 90_000)) stats.timestampJumps++;
        stats.frameTimestamp = timestamp;
      }
    }
  }
}

/**
 * A subscriber's answer without a payload type the SFU offers on `kind` m-lines (a receiver without
 * RTX, or without RED).
 */
function withoutFormat(answer: string, kind: 'audio' | 'video', payloadType: number): string {
  const doc = parseSdp(answer);
  const dropped = String(payloadType);
  doc.media = doc.media.map((section) =>
    section
      .filter((line) => !line.startsWith(`a=rtpmap:${dropped} `) && !line.startsWith(`a=fmtp:${dropped} `))
      .filter((line) => !line.startsWith(`a=rtcp-fb:${dropped} `))
      .map((line) => {
        if (!line.startsWith(`m=${kind} `)) return line;
        const [media, port, proto, ...formats] = line.split(' ');
        return [media, port, proto, ...formats.filter((format) => format !== dropped)].join(' ');
      }),
  );
  return writeSdp(doc);
}

/** Which packets a LossyRelay drops: every n-th VP8 packet (PT 96 towards subscribers), once each. */
function lossEvery(n: number, vp8PayloadType = 96, opusPayloadType = -1): (packet: Buffer) => boolean {
  const dropped = new Set<string>();
  return (packet) => {
    if (
      packet.length < 12 ||
      packet[0]! >> 6 !== 2 ||
      isRtcp(packet) ||
      ((packet[1]! & 0x7f) !== vp8PayloadType && (packet[1]! & 0x7f) !== opusPayloadType)
    )
      return false;
    const sequence = packet.readUInt16BE(2);
    const id = `${packet.readUInt32BE(8)}:${sequence}`;
    if (sequence % n !== 0 || dropped.has(id)) return false;
    dropped.add(id);
    return true;
  };
}

/** RID simulcast: the layers' RIDs, lowest first, and the rtp-stream-id extension id (see addCodecs). */
const RIDS = ['l', 'm', 'h'];
const RID_EXTENSION_ID = 10;
/** RTX: the repaired-rtp-stream-id extension id and the payload type (apt = VP8, see addCodecs). */
const REPAIRED_RID_EXTENSION_ID = 11;
const RTX_PAYLOAD_TYPE = 97;
/** Padding bytes of one padding-only RTX packet. */
const PADDING_BYTES = 224;

function writeRtpHeader(
  packet: Buffer,
  payloadType: number,
  marker: boolean,
  stream: SendingStream,
  first: number,
): void {
  packet[0] = first;
  packet[1] = (marker ? 0x80 : 0) | payloadType;
  packet.writeUInt16BE(stream.sequence, 2);
  packet.writeUInt32BE(stream.timestamp, 4);
  packet.writeUInt32BE(stream.ssrc, 8);
  stream.sequence = (stream.sequence + 1) & 0xffff;
}

function randomSsrc(): number {
  return 1 + Math.floor(Math.random() * 0xfffffffe);
}

function gatheringComplete(pc: PeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.gatheringState() === 'complete') {
      resolve();
      return;
    }
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') resolve();
    });
  });
}
