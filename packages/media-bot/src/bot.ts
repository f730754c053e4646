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
 *   with `videoCodec`, the camera in VP9 (K-SVC), H.264 or AV1 instead, offered first (codec-frames.ts);
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
 *   bot.setActiveLayers('camera', [true, false, true]);   // the SFU's simulcast-layers, as the web app takes it
 *   bot.sentPackets('camera'); bot.sentLayerPackets('camera'); bot.publisherNackStats();   // with uplinkLoss: NACKs from the SFU answered
 *   await bot.close();
 *
 * A process running bots without a media plane calls `MediaBot.releaseNative()` at the end so that
 * Node can exit (a media plane's close() does it otherwise).
 *
 * This class is the bot's API; the work is done by its two sides: publisher.ts (the publish
 * connection: media-packets.ts, retransmission.ts, keyframe-requests.ts, transport-numbering.ts) and
 * subscriber.ts (the subscribe connection: reception.ts, loss-detection.ts, rtx-reception.ts,
 * subscriber-transport-cc.ts). The options are in bot-options.ts, the offer's codecs in chromium-offer.ts.
 */
import type { SubscribedTrack, TrackSource } from '@parley/sfu';
import { releaseNative } from '@parley/sfu/transport';
import { type BotSettings, type MediaBotOptions, type MediaBotSignal, withDefaults } from './bot-options.js';
import { BotPublisher } from './publisher.js';
import type { ReceivedStream } from './reception.js';
import type { RtxReceived } from './rtx-reception.js';
import { BotSubscriber } from './subscriber.js';

/** One participant: a publisher and a subscriber side sharing the options, each with its connection. */
export class MediaBot {
  private readonly settings: BotSettings;
  private readonly publisher: BotPublisher;
  private readonly subscriber: BotSubscriber;
  private closed = false;

  constructor(signal: MediaBotSignal, options: MediaBotOptions = {}) {
    this.settings = withDefaults(options);
    this.publisher = new BotPublisher(signal, this.settings);
    this.subscriber = new BotSubscriber(signal, this.settings);
  }

  // Publishing

  /** Open the publish connection with a microphone (mid 0) and/or camera (mid 1) and start sending. */
  startPublishing(what: { audio: boolean; video: boolean }): Promise<void> {
    return this.publisher.start(what);
  }

  /** Publish another source on a new m-line, or on `mid` again after it was unpublished. */
  publishSource(source: TrackSource, mid: string): Promise<void> {
    return this.publisher.publishSource(source, mid);
  }

  /** Stop sending a source, as a browser does after removeTrack: its m-line becomes inactive. */
  unpublishSource(source: TrackSource): Promise<void> {
    return this.publisher.unpublishSource(source);
  }

  /** Speak (a low level such as 20) or fall silent (127) from the next audio packet on. */
  setAudioLevel(level: number): void {
    this.settings.audioLevel = level;
  }

  /** The next `count` key frame requests are counted but not answered (a lost PLI). */
  ignoreKeyframeRequests(count: number): void {
    this.publisher.keyframes.ignore(count);
  }

  /** Key frame requests (PLI/FIR) received for the bot's published video. */
  pliReceived(): number {
    return this.publisher.keyframes.received;
  }

  /** Video packets sent by a published source (its simulcast layers together), retransmissions not counted. */
  sentPackets(source: TrackSource): number {
    const stream = this.publisher.stream(source);
    if (!stream) return 0;
    return (stream.layers ?? [stream]).reduce((sum, layer) => sum + layer.packets, 0);
  }

  /** Video packets sent per simulcast layer of a published source (lowest first; one entry without). */
  sentLayerPackets(source: TrackSource): number[] {
    const stream = this.publisher.stream(source);
    return stream ? (stream.layers ?? [stream]).map((layer) => layer.packets) : [];
  }

  /**
   * The SFU's `simulcast-layers` for a published source: from now on send only the layers flagged
   * `true` (the publisher's order, lowest first), a resumed one from a key frame, as the web app does.
   */
  setActiveLayers(source: TrackSource, active: readonly boolean[]): void {
    this.publisher.setActiveLayers(source, active);
  }

  /** SSRC of a published source (what the SFU sees), if published. */
  publishedSsrc(source: TrackSource): number | undefined {
    return this.publisher.stream(source)?.ssrc;
  }

  /** The RTX SSRCs of a published video source, its layers' lowest first (what the offer pairs by FID). */
  publishedRtxSsrcs(source: TrackSource): number[] {
    const stream = this.publisher.stream(source);
    if (!stream) return [];
    return (stream.layers ?? [stream]).map((layer) => layer.rtxSsrc ?? 0);
  }

  /** The sequence number the next packet of a published source will carry (its first layer's). */
  nextSequence(source: TrackSource): number {
    const stream = this.publisher.stream(source);
    return (stream?.layers?.[0] ?? stream)?.sequence ?? -1;
  }

  /** Sequence numbers the SFU NACKed on the publish connection, and those the bot sent again. */
  publisherNackStats(): { requested: number; resent: number } {
    return { ...this.publisher.retransmitter.nacks };
  }

  /** With rtx: retransmissions and padding-only packets sent on the RTX SSRCs. */
  rtxStats(): { retransmissions: number; padding: number } {
    return { ...this.publisher.retransmitter.rtxSent };
  }

  /**
   * transportCc: what the SFU's transport feedback said of each numbered packet (arrival in its µs, or
   * null: not received), and how many feedback messages came.
   */
  transportReports(): { reported: ReadonlyMap<number, number | null>; messages: number } {
    return { reported: this.publisher.transport.reported, messages: this.publisher.transport.messages };
  }

  // Subscribing

  /**
   * Open the subscribe connection: an offer with a data channel only. Offers that arrive before its
   * answer is applied (signaling may deliver them in the same tick) wait for it.
   */
  startSubscribing(): Promise<void> {
    return this.subscriber.start();
  }

  /** Apply a `subscriber-offer` event and send the answer. Offers are handled one at a time, in order. */
  handleSubscriberOffer(sdp: string, tracks: SubscribedTrack[]): Promise<void> {
    return this.subscriber.handleOffer(sdp, tracks);
  }

  /** Packets received per `${participantId}:${source}` (kept after the track is removed). */
  received(): Map<string, ReceivedStream> {
    return new Map([...this.subscriber.stats].map(([key, value]) => [key, { ...value }]));
  }

  /**
   * Call `watcher` with every RTP packet received for `${participantId}:${source}` (retransmissions
   * unwrapped), after it is counted; null stops it. The packet is only valid during the call.
   */
  watchReceived(key: string, watcher: ((packet: Buffer) => void) | null): void {
    if (watcher) this.subscriber.watchers.set(key, watcher);
    else this.subscriber.watchers.delete(key);
  }

  /** The tracks of the subscribe connection after the last offer. */
  subscribedTracks(): SubscribedTrack[] {
    return [...this.subscriber.trackList];
  }

  offersHandled(): number {
    return this.subscriber.offers;
  }

  /** The last offer received on the subscribe connection ('' before the first). */
  lastOffer(): string {
    return this.subscriber.latestOffer;
  }

  nackStats(): { sent: number; recovered: number } {
    return { ...this.subscriber.loss.counts };
  }

  /** Every sequence number this bot NACKed as a subscriber (the first 10,000). */
  nackedSequences(): readonly number[] {
    return this.subscriber.loss.nacked;
  }

  /** subscriberRtx: the RTX packets received (retransmissions and padding). */
  rtxReceived(): RtxReceived {
    return this.subscriber.rtx.snapshot();
  }

  /** subscriberTransportCc: report all but one in `every` packets lost from now on (0: none). */
  setSubscriberFeedbackLoss(every: number): void {
    this.subscriber.transportCc.reportedLossEvery = every;
  }

  /** subscriberTransportCc: report a queue growing by `msPerSecond` from now on (0: it drains). */
  setSubscriberFeedbackQueue(msPerSecond: number): void {
    this.subscriber.transportCc.reportedQueueGrowth = msPerSecond;
  }

  /** subscriberTransportCc: the transport-wide numbers of the packets received, in arrival order. */
  subscriberTransportSequences(): readonly number[] {
    return this.subscriber.transportCc.seen;
  }

  /** Send a PLI for a received track (`${participantId}:${source}`), as a browser does after loss. */
  requestKeyframe(key: string): boolean {
    return this.subscriber.requestKeyframe(key);
  }

  /**
   * Send a bandwidth estimate (REMB, with an empty receiver report) for a received track, as a
   * browser does for the streams it receives.
   */
  sendEstimate(key: string, bitsPerSecond: number): boolean {
    return this.subscriber.sendEstimate(key, bitsPerSecond);
  }

  // Hostile-participant tests

  /**
   * Send any RTCP packet, unchanged, over the publish connection (on the first published track) or the
   * subscribe connection (on the first received track): SRTCP-protected like the bot's own reports.
   * False when that connection has no open track.
   */
  sendRawRtcp(connection: 'publish' | 'subscribe', packet: Buffer): boolean {
    if (connection === 'subscribe') return this.subscriber.sendRtcp(packet);
    const track = this.publisher.tracks().find((t) => t.isOpen());
    if (!track) return false;
    try {
      return track.sendMessageBinary(packet);
    } catch {
      return false;
    }
  }

  /** Send raw bytes on a received track (`${participantId}:${source}`). */
  sendOnReceivedTrack(key: string, packet: Buffer): boolean {
    return this.subscriber.sendOnTrack(key, packet);
  }

  /**
   * Send a video packet with this payload (codec headers included) on a published source, as the next
   * packet of its stream: its SSRC, payload type, next sequence number and current frame's timestamp.
   * Not counted in sentPackets; kept for NACKs like the bot's own. False when the track is not open.
   */
  sendVideoPayload(source: TrackSource, payload: Buffer, marker = false): boolean {
    const stream = this.publisher.activeStream(source);
    if (!stream?.track.isOpen() || stream.kind !== 'video') return false;
    return this.publisher.packets.videoPacket(stream, payload, marker, false);
  }

  /** Send raw bytes on the track of a published source. */
  sendOnPublishedTrack(source: TrackSource, packet: Buffer): boolean {
    const stream = this.publisher.activeStream(source);
    if (!stream?.track.isOpen()) return false;
    return stream.track.sendMessageBinary(packet);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // In the order of the one-class bot this was: tracks, then data channel and relays, then connections.
    this.publisher.closeTracks();
    this.subscriber.closeTracks();
    this.subscriber.closeChannel();
    this.publisher.closeConnection();
    await this.subscriber.closeConnection();
  }

  /**
   * libdatachannel keeps the process alive until its global cleanup: call this once when no bot (and no
   * media plane) of the process is in use any more. A media plane's close() does it for its process.
   */
  static releaseNative(): Promise<void> {
    return releaseNative();
  }
}
