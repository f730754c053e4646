/**
 * A bot's publish connection: it offers its sources (microphone on mid 0, camera on mid 1, more by
 * renegotiation) with Chromium's SDP shape, sends their media every 20 ms and answers the SFU's
 * feedback on them (NACK, PLI/FIR, transport-cc). A removed source's m-line turns inactive and may be
 * reused later, as a browser's transceiver.
 */
import type { PublishedTrack, TrackSource } from '@parley/sfu';
import { kindOfSource } from '@parley/sfu';
import { isRtcp, parseRtcp } from '@parley/sfu/rtp';
import { retainUntilCleanup, retainUntilClosed } from '@parley/sfu/transport';
import ndc, { type Audio, type PeerConnection, type Track, type Video } from 'node-datachannel';
import type { BotSettings, MediaBotSignal } from './bot-options.js';
import { addChromiumCodecs, RIDS } from './chromium-offer.js';
import { KeyframeRequests } from './keyframe-requests.js';
import { lossEvery } from './loss-pattern.js';
import { hostCandidate, LossyRelay } from './lossy-relay.js';
import { MediaPackets } from './media-packets.js';
import { gatheringComplete, localSdp, randomSsrc, rtcConfig } from './peer-connection.js';
import { Retransmitter } from './retransmission.js';
import { HISTORY_SIZE, newSendingStream, type SendingStream, type StreamSsrcs } from './sending-stream.js';
import { TransportNumbering } from './transport-numbering.js';

const TICK_MS = 20;
const SENDER_REPORT_EVERY_TICKS = 50;

export class BotPublisher {
  readonly sending = new Map<string, SendingStream>();
  readonly keyframes: KeyframeRequests;
  readonly retransmitter: Retransmitter;
  readonly transport = new TransportNumbering();
  readonly packets: MediaPackets;
  private pc: PeerConnection | null = null;
  /** With uplinkLoss: the relay between this connection and the SFU. */
  private uplinkRelay: LossyRelay | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private tick = 0;
  private closed = false;

  constructor(
    private readonly signal: MediaBotSignal,
    private readonly settings: BotSettings,
  ) {
    this.keyframes = new KeyframeRequests(settings.periodicKeyframes);
    this.retransmitter = new Retransmitter(settings.rtx);
    this.packets = new MediaPackets(settings, this.transport, this.retransmitter);
  }

  async start(what: { audio: boolean; video: boolean }): Promise<void> {
    if (this.pc) throw new Error('already publishing');
    // libdatachannel aborts the process when asked to offer nothing.
    if (!what.audio && !what.video) throw new Error('nothing to publish');
    this.pc = new ndc.PeerConnection('bot-pub', rtcConfig(this.settings.bindAddress, false));
    if (what.audio) this.addSendingStream('0', 'mic');
    if (what.video) this.addSendingStream('1', 'camera');
    await this.negotiate();
    this.ticker ??= setInterval(() => this.sendTick(), TICK_MS);
  }

  async publishSource(source: TrackSource, mid: string): Promise<void> {
    if (!this.pc) throw new Error('not publishing');
    const existing = this.sending.get(mid);
    if (existing?.active) throw new Error(`mid ${mid} is in use`);
    this.addSendingStream(mid, source);
    await this.negotiate();
  }

  async unpublishSource(source: TrackSource): Promise<void> {
    const stream = this.activeStream(source);
    if (!stream || !this.pc) throw new Error(`${source} is not published`);
    stream.active = false;
    const media =
      stream.kind === 'audio' ? new ndc.Audio(stream.mid, 'Inactive') : new ndc.Video(stream.mid, 'Inactive');
    addChromiumCodecs(media, this.settings.payloadTypes, this.settings.videoCodec);
    // Same mid: libdatachannel updates the existing track's description and returns a second wrapper.
    retainUntilCleanup(this.pc.addTrack(media));
    await this.negotiate();
  }

  /**
   * The SFU's `simulcast-layers`: send only the layers flagged (the publisher's order, lowest first);
   * a layer resumed starts with a key frame. Ignored without simulcast, or with ignoreSimulcastLayers.
   */
  setActiveLayers(source: TrackSource, active: readonly boolean[]): void {
    const layers = this.activeStream(source)?.layers;
    if (!layers || this.settings.ignoreSimulcastLayers) return;
    layers.forEach((layer, index) => {
      const paused = active[index] === false;
      if (layer.paused && !paused) layer.resumeWithKeyframe = true;
      layer.paused = paused;
    });
  }

  /** The stream of a source, published now or before (its m-line kept). */
  stream(source: TrackSource): SendingStream | undefined {
    return [...this.sending.values()].find((s) => s.source === source);
  }

  activeStream(source: TrackSource): SendingStream | undefined {
    return [...this.sending.values()].find((s) => s.source === source && s.active);
  }

  tracks(): Track[] {
    return [...this.sending.values()].map((stream) => stream.track);
  }

  /** The first step of the bot's close(): no more sending. */
  closeTracks(): void {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    for (const stream of this.sending.values()) stream.track.close();
    this.sending.clear();
  }

  /** The last step of the bot's close(), after the subscribe side's tracks and channel. */
  closeConnection(): void {
    this.uplinkRelay?.close();
    this.pc?.close();
    this.pc = null;
  }

  private addSendingStream(mid: string, source: TrackSource): void {
    const kind = kindOfSource(source);
    const existing = this.sending.get(mid);
    const media = kind === 'audio' ? new ndc.Audio(mid, 'SendOnly') : new ndc.Video(mid, 'SendOnly');
    addChromiumCodecs(media, this.settings.payloadTypes, this.settings.videoCodec);
    const ssrcs = this.announceSsrcs(media, source, existing);
    if (kind === 'video') this.keyframes.newSource();
    if (existing) {
      existing.history ??= kind === 'video' ? new Array(HISTORY_SIZE) : undefined;
      // A browser reusing a transceiver: same m-line, same SSRC, new source. libdatachannel updates the
      // existing track's description and returns a second wrapper of it.
      if (existing.kind !== kind) throw new Error(`mid ${mid} carries ${existing.kind}`);
      retainUntilCleanup(this.pc!.addTrack(media));
      existing.source = source;
      existing.active = true;
      return;
    }
    const track = retainUntilClosed(this.pc!.addTrack(media));
    const stream = newSendingStream(mid, source, kind, track, ssrcs);
    track.onMessage((message) => this.receiveFeedback(stream, message));
    this.sending.set(mid, stream);
  }

  /**
   * The m-line's SSRCs as Chromium announces them (a reused m-line keeps its own): `a=ssrc` lines, the
   * RTX stream in a FID group, simulcast layers in a SIM group or, with ridSimulcast, as Firefox does
   * by RID (every layer's SSRC listed, in another order, no SIM group).
   */
  private announceSsrcs(media: Audio | Video, source: TrackSource, existing?: SendingStream): StreamSsrcs {
    const kind = kindOfSource(source);
    const ssrc = existing?.ssrc ?? randomSsrc();
    const announce = (announced: number) =>
      media.addSSRC(announced, 'botcname', 'botstream', `bot-${source}`);
    announce(ssrc);
    const rtxSsrc = kind === 'video' ? (existing?.rtxSsrc ?? randomSsrc()) : undefined;
    const announceRtx = !(this.settings.rtx && this.settings.rtxWithoutFid);
    const pairWithRtx = (mediaSsrc: number, repairSsrc: number) => {
      if (!announceRtx) return;
      announce(repairSsrc);
      media.parseSdpLine(`a=ssrc-group:FID ${mediaSsrc} ${repairSsrc}`);
    };
    if (rtxSsrc !== undefined) pairWithRtx(ssrc, rtxSsrc);
    const simulcastLayers =
      kind === 'video' && source === 'camera' && this.settings.simulcast
        ? (existing?.layers?.slice(0, 2).map((layer) => layer.ssrc) ?? [randomSsrc(), randomSsrc()])
        : null;
    // With rtx every layer has its RTX stream (the web app munges FID groups for Chromium's layers).
    const layerRtxSsrcs =
      simulcastLayers && this.settings.rtx
        ? (existing?.layers?.slice(0, 2).map((layer) => layer.rtxSsrc!) ?? [randomSsrc(), randomSsrc()])
        : null;
    if (simulcastLayers && this.settings.ridSimulcast) {
      // Highest layer first (it is the m-line's own SSRC), then 360p, then 180p: not the RID order.
      for (const layer of [simulcastLayers[1]!, simulcastLayers[0]!]) announce(layer);
      for (const rid of RIDS) media.parseSdpLine(`a=rid:${rid} send`);
      media.parseSdpLine(`a=simulcast:send ${RIDS.join(';')}`);
    } else if (simulcastLayers) {
      for (const layer of simulcastLayers) announce(layer);
      media.parseSdpLine(`a=ssrc-group:SIM ${simulcastLayers.join(' ')} ${ssrc}`);
    }
    if (simulcastLayers && layerRtxSsrcs)
      for (let i = 0; i < 2; i++) pairWithRtx(simulcastLayers[i]!, layerRtxSsrcs[i]!);
    return { ssrc, rtxSsrc, simulcastLayers, layerRtxSsrcs };
  }

  private async negotiate(): Promise<void> {
    const pc = this.pc!;
    pc.setLocalDescription('offer');
    await gatheringComplete(pc);
    const tracks: PublishedTrack[] = [...this.sending.values()]
      .filter((stream) => stream.active)
      .map(({ mid, source }) => ({ mid, source }));
    let answer = await this.signal.publish(localSdp(pc), tracks);
    if (this.closed) return;
    if (this.settings.uplinkLoss > 0) {
      this.uplinkRelay ??= await LossyRelay.open(
        hostCandidate(answer),
        () => false,
        lossEvery(this.settings.uplinkLoss, this.settings.payloadTypes.vp8),
      );
      answer = this.uplinkRelay.redirect(answer);
    }
    pc.setRemoteDescription(answer, 'answer');
  }

  /** The SFU's RTCP about one of the bot's streams. */
  private receiveFeedback(stream: SendingStream, message: Buffer): void {
    if (!isRtcp(message)) return;
    if (this.transport.readFeedback(message)) return;
    for (const rtcp of parseRtcp(message)) {
      if (rtcp.type === 'nack') {
        this.retransmitter.retransmit(stream, rtcp.mediaSsrc, rtcp.lost);
      } else if (
        (rtcp.type === 'pli' && rtcp.mediaSsrc === stream.ssrc) ||
        (rtcp.type === 'fir' && rtcp.requests.some((r) => r.ssrc === stream.ssrc))
      ) {
        this.keyframes.request(false);
      } else if (rtcp.type === 'pli' && stream.layers?.some((l) => l.ssrc === rtcp.mediaSsrc)) {
        this.keyframes.request(true);
      }
    }
  }

  private sendTick(): void {
    this.tick++;
    this.keyframes.tick();
    const videoFrame = this.tick % 2 === 0;
    const keyframe = videoFrame && this.keyframes.nextFrame();
    for (const stream of this.sending.values()) {
      if (!stream.active || !stream.track.isOpen()) continue;
      try {
        if (stream.kind === 'audio') this.packets.audio(stream);
        else if (videoFrame) this.packets.videoFrame(stream, keyframe);
        if (this.tick % SENDER_REPORT_EVERY_TICKS === 0) this.packets.senderReport(stream);
      } catch {
        // the track closed between isOpen() and the send
      }
    }
  }
}
