// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).

import type { Track } from 'node-datachannel';
import { kindOfSource, type TrackKind, type TrackSource } from '../api/types.js';
import type { MediaContext } from '../room/media-context.js';
import type { SpeakerActivity } from '../room/speaker-detector.js';
import { readAudioLevel } from '../rtp/audio-level.js';
import { claimTransportSlot } from '../rtp/header-extension.js';
import { PacketCache } from '../rtp/packet-cache.js';
import { OUTGOING_RED_PAYLOAD_TYPE, RedAudio } from '../rtp/red.js';
import { parseRtcp } from '../rtp/rtcp.js';
import { isRtcp, RTP_HEADER_SIZE, readVp8PictureId, rtpPayloadBytes } from '../rtp/rtp.js';
import { readRtpStreamId } from '../rtp/rtp-stream-id.js';
import { restoreRetransmission } from '../rtp/rtx.js';
import { SequenceRewriter } from '../rtp/sequence-rewriter.js';
import { VIDEO_CODEC, type VideoCodec } from '../rtp/video-codec.js';
import { LayerDemand } from '../simulcast/layer-demand.js';
import { MAX_LAYERS, SimulcastLayers } from '../simulcast/layer-meter.js';
import { SUBSCRIBER_TRANSPORT_CC_ID } from '../transport/transport-sends.js';
import { ForwardedPacket } from './forwarded-packet.js';
import { OUTGOING_PAYLOAD_TYPE, type PublicationView } from './publication-view.js';
import { type PublishedStreams, PublisherFeedback } from './publisher-feedback.js';
import { PublisherRtx, type RepairedStreams } from './publisher-rtx.js';
import { ReceivedLayer } from './received-layer.js';
import { forwardSenderReport, laterReportOf } from './sender-reports.js';
import type { Subscription } from './subscription.js';
import { transitProbe } from './transit-probe.js';

/** Audio packets kept for NACKs (a power of two: about 2.5 s of Opus at 20 ms). */
const AUDIO_CACHE_SIZE = 128;

/**
 * One track a participant publishes (its microphone, camera, screen...), received on the publish
 * connection and fanned out to one Subscription per other participant (≈ mediasoup's Producer).
 *
 * Hot path: `receive()` rewrites the payload type once, keeps a copy for NACKs (video), reads what
 * every subscription needs of the packet into `forwarded` and hands that to each subscription, which
 * rewrites the SSRC and sends the same Buffer synchronously.
 */
export class Publication implements PublicationView, PublishedStreams, RepairedStreams {
  readonly kind: TrackKind;
  /** Video: the publisher's `a=fmtp` parameters of its codec, offered to subscribers as they are. */
  formatParameters = '';
  readonly subscriptions: Subscription[] = [];
  /** true while a moderator holds this participant's audio: packets are dropped, not forwarded. */
  held = false;
  /** Microphone: whether it is among the loudest of the room (set by the room's speaker ranking). */
  audible = true;
  /** RFC 8285 id of the audio-level extension in the publisher's offer; 0 when not negotiated. */
  audioLevelExtensionId = 0;
  /** Where this microphone's audio levels go (the room's speaker detection); null for other tracks. */
  speakerActivity: SpeakerActivity | null = null;
  /** Opus RED (RFC 2198) from the publisher, passed on or taken apart per subscriber (red.ts). */
  readonly red = new RedAudio();
  /** Simulcast layer metering: bitrates, heights, which layers are sent (simulcast/layer-meter.ts). */
  readonly simulcast = new SimulcastLayers();
  /** Simulcast: the layers its subscribers take, which the publisher is asked to send (layer-demand.ts). */
  readonly demand = new LayerDemand();
  /** The packet being fanned out, read once for every subscription (reused). */
  readonly forwarded = new ForwardedPacket();
  /** VP9 SVC (e.g. L3T3_KEY): each spatial layer's height from the last key picture; empty without. */
  svcHeights: readonly number[] = [];
  /** Per layer (one without simulcast): its RTX SSRC, cache, gaps, reception, Sender Report budget. */
  readonly received: readonly ReceivedLayer[] = Array.from({ length: MAX_LAYERS }, () => new ReceivedLayer());
  /** Audio NACK: the microphone's packets as forwarded, kept once a subscriber accepted it; else null. */
  private audioCache: PacketCache | null = null;
  /** Keeps the sequence continuous across audio left out while held or inaudible. */
  private readonly sequences = new SequenceRewriter();
  private skipping = false;
  /**
   * Simulcast: the publisher's SSRCs, lowest layer first (`a=ssrc-group:SIM`); empty for one stream.
   * RID simulcast: 0 for a layer whose SSRC is not known yet (learnt from its packets' RID).
   */
  layerSsrcs: readonly number[] = [];
  /** RID simulcast: the layers' RIDs, in the order of layerSsrcs; empty otherwise. */
  layerRids: readonly string[] = [];
  /** RFC 8285 id of the rtp-stream-id extension with RID simulcast; 0 otherwise. */
  private ridExtensionId = 0;
  private readonly rtx: PublisherRtx;
  /** transport-cc: the publisher's extension id (0: not negotiated, or subscribers' bandwidth not estimated). */
  transportCcExtensionId = 0;
  private readonly feedback: PublisherFeedback;
  private readonly outgoingPayloadType: number;
  private readonly senderReport = Buffer.alloc(28);
  private closed = false;

  constructor(
    readonly participantId: string,
    readonly source: TrackSource,
    readonly mid: string,
    /** The publisher's SSRC for this track; null until announced or first seen. */
    public ssrc: number | null,
    /** The payload type the publisher's browser uses for the codec (from its offer). */
    public payloadType: number,
    /** SSRC the SFU uses as sender of its RTCP on the publish connection. */
    rtcpSenderSsrc: number,
    private readonly context: MediaContext,
    /** Video: the codec it is published in (audio: unused). A new codec is a new publication. */
    readonly codec: VideoCodec = VIDEO_CODEC.vp8,
  ) {
    this.kind = kindOfSource(source);
    this.outgoingPayloadType = this.kind === 'video' ? codec.payloadType : OUTGOING_PAYLOAD_TYPE.audio;
    if (this.kind === 'video') this.received[0]!.keepPackets();
    this.feedback = new PublisherFeedback(this, rtcpSenderSsrc, context);
    this.rtx = new PublisherRtx(context.logger);
  }

  /** The libdatachannel track of this m-line on the publish connection (null: not yet known). */
  attach(track: Track | null): void {
    this.feedback.attach(track);
  }

  /** A packet received on this track's m-line: RTP to forward, or RTCP from the publisher. */
  receive(packet: Buffer): void {
    const arrived = transitProbe.enabled ? performance.now() : 0; // benchmarks only
    if (this.closed) return;
    if (isRtcp(packet)) {
      this.receiveRtcp(packet);
      return;
    }
    if (packet.length < RTP_HEADER_SIZE) return;
    // Only the negotiated stream (and its RTX): not FEC or extra layers, nor a format not accepted.
    const payloadType = packet[1]! & 0x7f;
    const red = payloadType === this.red.payloadType && this.red.payloadType !== 0 && this.kind === 'audio';
    if (payloadType !== this.payloadType && !red) {
      if (payloadType === this.rtx.payloadType && this.rtx.payloadType !== 0)
        this.receiveRetransmission(packet);
      return;
    }
    const ssrc = packet.readUInt32BE(8);
    let layer = 0;
    if (this.layerSsrcs.length > 1) {
      layer = this.layerSsrcs.indexOf(ssrc);
      if (layer < 0) layer = this.learnLayerSsrc(packet, ssrc);
      if (layer < 0) return;
    } else if (this.ssrc === null) this.ssrc = ssrc;
    else if (ssrc !== this.ssrc) return;
    // The track works now: a key frame request that could not go out before is sent.
    this.feedback.mediaArrived();
    // RED: a malformed packet goes to no one (its primary is what plain subscribers get).
    if (!red) this.red.notRed();
    else if (!this.red.accept(packet, this.payloadType, this.outgoingPayloadType)) return;
    const activity = this.speakerActivity;
    if (activity !== null && this.audioLevelExtensionId > 0) {
      const level = readAudioLevel(packet, this.audioLevelExtensionId);
      if (level >= 0) activity.add(level, red ? this.red.primaryBytes : rtpPayloadBytes(packet));
    }
    if (this.held || !this.audible) {
      if (!this.skipping) this.sequences.skip();
      this.skipping = true;
      return;
    }
    this.skipping = false;
    this.forward(packet, layer, false, arrived);
  }

  /**
   * Fan a packet of `layer` out to the subscriptions (`repaired`: rebuilt from an RTX retransmission,
   * which is forwarded only as a late packet). Work that does not depend on the subscriber is done
   * once per packet, here, into `forwarded`.
   */
  private forward(packet: Buffer, layer: number, repaired: boolean, arrived: number): void {
    const forwarded = this.forwarded;
    let sequence = packet.readUInt16BE(2);
    // Before it is cached: retransmissions from the cache carry the renamed slot too.
    forwarded.transportAt = claimTransportSlot(
      packet,
      this.transportCcExtensionId,
      SUBSCRIBER_TRANSPORT_CC_ID,
    );
    forwarded.buffer = packet;
    if (this.kind === 'audio') {
      sequence = this.sequences.rewrite(sequence);
      packet.writeUInt16BE(sequence, 2);
      forwarded.late = false;
      forwarded.keyframe = false;
    } else {
      const received = this.received[layer]!;
      const gaps = received.gaps;
      let late = false;
      if (gaps !== null) {
        // A retransmission is of a packet before the newest: one "ahead" would move the stream on.
        if (repaired && !gaps.behind(sequence)) {
          this.context.counters.publisherRtxDropped++;
          return;
        }
        const order = gaps.received(sequence);
        if (order !== 'next') {
          // A copy of a packet already forwarded (a retransmission that crossed a second NACK, or
          // RTX payload padding: a recent packet sent again to probe the bandwidth).
          if (order === 'duplicate' || received.cache!.get(sequence) !== undefined) {
            if (repaired) this.context.counters.publisherRtxDropped++;
            return;
          }
          late = true;
          if (repaired) this.context.counters.publisherRtxRecovered++;
        } else if (gaps.outstanding > 0) this.feedback.gapSeen();
      } else if (repaired) return;
      forwarded.late = late;
      const codec = this.codec;
      const meter = this.simulcast.layers[layer]!;
      // VP9: its descriptor, read once, gives key frame, height and layers; other codecs read theirs.
      forwarded.readCodec(codec);
      if (forwarded.unreadable) this.context.counters.videoUnreadable++;
      const vp9 = forwarded.vp9Valid ? forwarded.vp9 : null;
      if (forwarded.keyframe) meter.height = vp9 === null ? codec.keyframeHeight(packet) : vp9.height;
      if (forwarded.keyframe && vp9 !== null && vp9.layerHeights.length > 0)
        this.svcHeights = vp9.layerHeights.length > 1 ? vp9.layerHeights : [];
      forwarded.timestamp = packet.readUInt32BE(4);
      if (this.layerSsrcs.length > 1) {
        const descriptor = forwarded.descriptor;
        codec.locatePictureFields(packet, descriptor);
        forwarded.pictureId = descriptor[0]! >= 0 ? readVp8PictureId(packet, descriptor[0]!) : -1;
        forwarded.tl0 = descriptor[1]! >= 0 ? packet[descriptor[1]!]! : -1;
      }
      meter.bytes += packet.length;
      received.reception.received(sequence);
      received.cache?.store(packet);
    }
    packet[1] =
      (packet[1]! & 0x80) | (this.red.current ? OUTGOING_RED_PAYLOAD_TYPE : this.outgoingPayloadType);
    this.audioCache?.store(packet);
    forwarded.sequence = sequence;
    forwarded.layer = layer;
    const subscriptions = this.subscriptions;
    for (let i = 0; i < subscriptions.length; i++) subscriptions[i]!.send(forwarded);
    if (arrived !== 0) transitProbe.record(performance.now() - arrived);
  }

  /**
   * An RTX packet (RFC 4588): a retransmission is turned back into the packet it repeats and handled
   * as a late one; padding-only packets (the publisher probing its bandwidth) are dropped, as is any
   * packet of a stream that repairs no layer. Bounded like the media path: a retransmission must be
   * of a packet behind the newest and not cached yet (at most one fan-out per sequence number).
   */
  private receiveRetransmission(packet: Buffer): void {
    const counters = this.context.counters;
    const layer = this.rtx.layerOf(packet, packet.readUInt32BE(8), this);
    const mediaSsrc = layer < 0 ? 0 : this.layerSsrc(layer);
    const original = mediaSsrc === 0 ? null : restoreRetransmission(packet, mediaSsrc, this.payloadType);
    if (original !== null) this.forward(original, layer, true, 0);
    else if (mediaSsrc === 0) counters.publisherRtxDropped++;
    else counters.publisherPaddingDropped++; // padding only
  }

  /** RTX as the publisher's offer negotiates it (sdp.ts, publisher-rtx.ts); SSRCs learnt again on a change. */
  setRetransmissions(
    payloadType: number | null,
    pairs: readonly { media: number; rtx: number }[],
    repairedRidExtensionId: number | null,
  ): void {
    const video = this.kind === 'video';
    if (this.rtx.set(video ? payloadType : null, pairs, repairedRidExtensionId)) this.forgetRtxSsrcs();
  }

  private forgetRtxSsrcs(): void {
    for (const received of this.received) received.rtxSsrc = 0;
  }

  /** The media SSRC of `layer` (0: not known yet, or no such layer now). */
  layerSsrc(layer: number): number {
    if (this.layerSsrcs.length > 1) return this.layerSsrcs[layer] ?? 0;
    return layer === 0 ? (this.ssrc ?? 0) : 0;
  }

  /** Receiver report and REMB to the publisher (the room's clock; see PublisherFeedback). */
  sendReceiverFeedback(): void {
    if (!this.closed) this.feedback.sendReceiverFeedback();
  }

  /**
   * RID simulcast: a packet of an SSRC not seen before names its layer in the rtp-stream-id
   * extension. Returns the layer, or -1 (no such RID, or the layer already has its SSRC: the packet
   * is not forwarded). A layer is learnt once: a publisher alternating two SSRCs under one RID cannot
   * make the SFU switch (and log) on every packet. A renegotiation that no longer announces a layer's
   * SSRC makes it learnable again (setRidLayers).
   */
  private learnLayerSsrc(packet: Buffer, ssrc: number): number {
    const rid = this.ridExtensionId === 0 ? null : readRtpStreamId(packet, this.ridExtensionId);
    const layer = rid === null ? -1 : this.layerRids.indexOf(rid);
    if (layer < 0 || this.layerSsrcs[layer] !== 0) return -1;
    this.layerSsrcs = this.layerSsrcs.map((known, i) => (i === layer ? ssrc : known));
    if (layer === 0 || this.ssrc === null) this.ssrc = ssrc;
    const { participantId, source } = this;
    this.context.logger.info(
      { participantId, source, layer, rid },
      'media: simulcast layer identified by RID',
    );
    return layer;
  }

  /**
   * RID simulcast: the layers' RIDs (SSRCs learnt from the packets), or none. `announced`: the SSRCs
   * of the offer; a learnt SSRC no longer among them is forgotten.
   */
  setRidLayers(rids: readonly string[], extensionId: number, announced: readonly number[] = []): void {
    const unchanged =
      rids.length === this.layerRids.length && rids.every((rid, i) => rid === this.layerRids[i]);
    if (unchanged && this.ridExtensionId === extensionId) {
      if (this.layerRids.length === 0) return; // not RID simulcast: the SSRC layers are setLayers'
      if (this.layerSsrcs.every((ssrc) => ssrc === 0 || announced.includes(ssrc))) return;
      this.layerSsrcs = this.layerSsrcs.map((ssrc) => (announced.includes(ssrc) ? ssrc : 0));
      this.ssrc = this.layerSsrcs[0] || this.layerSsrcs.find((ssrc) => ssrc !== 0) || null;
      return;
    }
    this.layerRids = rids.slice(0, 3);
    this.ridExtensionId = this.layerRids.length > 1 ? extensionId : 0;
    this.setLayers(this.layerRids.length > 1 ? this.layerRids.map(() => 0) : []);
    if (this.layerRids.length > 1) this.ssrc = null;
  }

  /** Take simulcast layers (or none): from the publisher's SIM group, lowest first. */
  setLayers(ssrcs: readonly number[]): void {
    if (ssrcs.length > 1 && ssrcs.some((ssrc) => ssrc !== 0)) {
      // SSRC simulcast replaces RID simulcast.
      this.layerRids = [];
      this.ridExtensionId = 0;
    }
    const layerSsrcs = ssrcs.length > 1 ? ssrcs.slice(0, 3) : [];
    // Other layers: their retransmission streams are learnt again.
    if (layerSsrcs.join() !== this.layerSsrcs.join()) this.forgetRtxSsrcs();
    this.layerSsrcs = layerSsrcs;
    this.simulcast.resize(this.layerCount);
    if (this.layerSsrcs.length > 0) this.ssrc = this.layerSsrcs[0]! || null;
    if (this.kind === 'video')
      for (let layer = 0; layer < this.layerCount; layer++) this.received[layer]!.keepPackets();
  }

  /** Number of layers a subscriber can choose from (1 without simulcast). */
  get layerCount(): number {
    return Math.max(1, this.layerSsrcs.length);
  }

  /** Close a bitrate measurement interval of `seconds` (called by the room's speaker clock). */
  measureLayers(seconds: number): void {
    if (!this.simulcast.measure(seconds)) return;
    // active: bit n set when layer n (0 = lowest) carried packets.
    const { participantId, source, layerCount: layers } = this;
    const active = this.simulcast.active;
    this.context.logger.info({ participantId, source, layers, active }, 'media: simulcast layers sent');
  }

  /** Ask the publisher for a key frame (PLI), throttled per track (PublisherFeedback). */
  requestKeyframe(): void {
    if (!this.closed) this.feedback.requestKeyframe();
  }

  /** A cached packet of `layer` for a NACK answer: video as the publisher sent it, audio as forwarded. */
  cachedPacket(layer: number, sequence: number): Buffer | undefined {
    const cache = this.received[layer]?.cache ?? this.received[0]!.cache ?? this.audioCache;
    return cache?.get(sequence);
  }

  /** A subscriber accepted NACK for this microphone: keep its packets from now on (audio only). */
  enableAudioRetransmissions(): void {
    if (this.kind === 'audio') this.audioCache ??= new PacketCache(AUDIO_CACHE_SIZE);
  }

  private receiveRtcp(packet: Buffer): void {
    const messages = parseRtcp(packet);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      // Sender Reports map the publisher's RTP clock to wall-clock time; subscribers need them for
      // lip sync. Each subscriber gets the report of the layer it receives, on its SSRC and RTP clock.
      if (message.type !== 'sender-report') continue;
      // A microphone left out (not among the loudest, or held by a moderator) sends nothing to map:
      // skipping its reports keeps their cost from growing with the square of the meeting's size.
      if (this.held || !this.audible) continue;
      const layer =
        this.layerSsrcs.length > 1
          ? this.layerSsrcs.indexOf(message.ssrc)
          : message.ssrc === this.ssrc
            ? 0
            : -1;
      if (layer < 0) continue;
      // One report per stream and compound (the last one counts), a few per second (budgets.ts).
      if (laterReportOf(messages, i, message.ssrc)) continue;
      if (!this.received[layer]!.senderReports.take()) {
        this.context.counters.feedbackDropped++;
        continue;
      }
      forwardSenderReport(packet, message.offset, layer, this.subscriptions, this.senderReport);
    }
  }

  addSubscription(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  removeSubscription(subscription: Subscription): void {
    const index = this.subscriptions.indexOf(subscription);
    if (index >= 0) this.subscriptions.splice(index, 1);
  }

  /** Stop forwarding. Subscriptions are removed by their subscribers (the room router sees to it). */
  close(): void {
    this.closed = true;
    this.feedback.close();
  }
}
