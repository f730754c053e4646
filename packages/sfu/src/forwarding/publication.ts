// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).

import type { Track } from 'node-datachannel';
import { kindOfSource, type TrackKind, type TrackSource } from '../api/types.js';
import { guarded, type MediaContext } from '../room/media-context.js';
import type { SpeakerActivity } from '../room/speaker-detector.js';
import type { CancelTimer } from '../room/timers.js';
import { readAudioLevel } from '../rtp/audio-level.js';
import { claimTransportSlot } from '../rtp/header-extension.js';
import { PacketCache } from '../rtp/packet-cache.js';
import { buildReceiverFeedback, ReceptionStats } from '../rtp/reception-stats.js';
import { OUTGOING_RED_PAYLOAD_TYPE, RedAudio } from '../rtp/red.js';
import { buildNack, buildPli, parseRtcp, type RtcpMessage, writeSenderInfo } from '../rtp/rtcp.js';
import { isRtcp, RTP_HEADER_SIZE, readVp8PictureId, rtpPayloadOffset } from '../rtp/rtp.js';
import { readRtpStreamId } from '../rtp/rtp-stream-id.js';
import { restoreRetransmission } from '../rtp/rtx.js';
import { SequenceRewriter } from '../rtp/sequence-rewriter.js';
import { VIDEO_CODEC, type VideoCodec } from '../rtp/video-codec.js';
import { emptyVp9Descriptor, readVp9Descriptor, type Vp9Descriptor } from '../rtp/vp9.js';
import { SUBSCRIBER_TRANSPORT_CC_ID } from '../transport/transport-sends.js';
import { SENDER_REPORTS_BURST, SENDER_REPORTS_PER_SECOND, TokenBucket } from './budgets.js';
import { GapTracker } from './gap-tracker.js';
import type { Subscription } from './subscription.js';
import { transitProbe } from './transit-probe.js';

/** Payload types the SFU uses towards every subscriber (see Subscription's SDP). */
export const OUTGOING_PAYLOAD_TYPE: Record<TrackKind, number> = { video: 96, audio: 111 };

/** At most one key frame request per publisher track in this interval (ms). */
export const KEYFRAME_REQUEST_INTERVAL_MS = 1000;

/**
 * Bandwidth the SFU grants each publisher's video in its REMB: enough for three VP8 simulcast layers
 * up to 720p. Without it a browser that gets no congestion feedback stays at its start bitrate
 * (≈300 kbit/s) and never sends the upper layers.
 */
export const PUBLISHER_VIDEO_BITRATE = 2_500_000;

/** Weight of the newest interval in a layer's smoothed bitrate (about 1.5 s of memory at 300 ms). */
const BITRATE_SMOOTHING = 0.2;

/** Packets kept per video track to answer NACKs (about 2 s of 720p video). */
const PACKET_CACHE_SIZE = 512;
/** Audio packets kept for NACKs (a power of two: about 2.5 s of Opus at 20 ms). */
const AUDIO_CACHE_SIZE = 128;

/**
 * Packets lost on the way from the publisher are NACKed as soon as the packets that arrived with the
 * gap are handled, then on this interval while some are missing (ms): one RTCP packet per stream for
 * all the losses due, not one per packet. Every gap waits at most this long for its first NACK.
 */
export const PUBLISHER_NACK_INTERVAL_MS = 25;

/**
 * One track a participant publishes (its microphone, camera, screen...), received on the publish
 * connection and fanned out to one Subscription per other participant.
 *
 * Hot path: `receive()` rewrites the payload type once, keeps a copy for NACKs (video), and hands the
 * same Buffer to every subscription, which rewrites the SSRC and sends it synchronously.
 */
export class Publication {
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
  /**
   * Audio NACK: the microphone's recent packets as forwarded (outgoing payload type), kept once a
   * subscriber's answer accepted `nack` for Opus (enableAudioRetransmissions); null before.
   */
  private audioCache: PacketCache | null = null;
  /** Keeps the sequence continuous across audio left out while held or inaudible. */
  private readonly sequences = new SequenceRewriter();
  private skipping = false;
  /**
   * Simulcast (camera): the publisher's SSRCs from the lowest layer to the highest, as its
   * `a=ssrc-group:SIM` lists them; empty when it sends one stream. With RID simulcast, 0 stands for
   * a layer whose SSRC is not known yet (learnt from the rtp-stream-id extension of its packets).
   */
  layerSsrcs: readonly number[] = [];
  /** RID simulcast: the layers' RIDs, in the order of layerSsrcs; empty otherwise. */
  private layerRids: readonly string[] = [];
  /** RFC 8285 id of the rtp-stream-id extension with RID simulcast; 0 otherwise. */
  private ridExtensionId = 0;
  /**
   * RTX (RFC 4588, rtx.ts): the payload type of the publisher's retransmissions (0: not negotiated,
   * it retransmits on the media SSRC), which retransmission SSRC repairs which media SSRC (its FID
   * groups), and the id of the repaired-rtp-stream-id extension (RID simulcast; 0 without).
   */
  private rtxPayloadType = 0;
  private repairedBy: ReadonlyMap<number, number> = new Map();
  private repairedRidExtensionId = 0;
  /** Per layer (0 without simulcast): its retransmission SSRC once seen, 0 before (rtxLayer). */
  private readonly rtxSsrcs = [0, 0, 0];
  /**
   * Per layer: bits per second (smoothed over the last measurements: one interval can hold a key frame
   * several times the size of a delta frame), and frame height from its key frames.
   */
  readonly layerBitrates = [0, 0, 0];
  readonly layerHeights = [0, 0, 0];
  /**
   * The layers from the smallest picture to the largest, by the heights their key frames carry (SIM
   * order, lowest first by convention, until known): which end of the group a browser puts its
   * full-resolution stream on is not something to rely on.
   */
  layerOrder: readonly number[] = [0];
  /** layerBitrates hold a measurement (false until the first interval closed). */
  layersMeasured = false;
  /** Bit mask of the layers that carried packets in the last measurement (logged when it changes). */
  private activeLayers = 0;
  /** Bit masks of the two measurements before: a layer pauses briefly when the encoder is busy. */
  private readonly earlierActiveLayers = [0, 0];
  private readonly layerBytes = [0, 0, 0];
  /** One cache per layer: each layer numbers its packets on its own. */
  private readonly layerCaches: PacketCache[];
  /** Per layer (video): packets that did not arrive, to NACK the publisher for. */
  private readonly layerGaps: GapTracker[];
  private cancelNackTimer: CancelTimer | null = null;
  /** Sequence numbers of one NACK being built (reused). */
  private readonly lost: number[] = [];
  /** Reception per layer, reported back to the publisher (video). */
  private readonly reception = [new ReceptionStats(), new ReceptionStats(), new ReceptionStats()];
  private readonly rtcpSenderSsrc: number;
  /**
   * The packet being fanned out, read once for every subscription (valid during receive() only):
   * whether it starts a key frame, its RTP timestamp, and where its VP8 picture id / TL0PICIDX are.
   */
  packetKeyframe = false;
  packetTimestamp = 0;
  /**
   * transport-cc towards subscribers: the publisher's transport-cc extension id (0: not negotiated,
   * or the SFU does not estimate subscribers' bandwidth), and for the packet being fanned out
   * (`packetTransportBuffer`) where its two-byte slot starts, renamed to the subscribers' id
   * (claimTransportSlot; -1: it has none). Each subscription writes its connection's number there.
   */
  transportCcExtensionId = 0;
  packetTransportAt = -1;
  packetTransportBuffer: Buffer | null = null;
  /** The packet is older than ones already forwarded (the publisher's retransmission, or reordered). */
  packetLate = false;
  readonly packetDescriptor = new Int32Array(2);
  /**
   * Simulcast: the packet's VP8 picture id and TL0PICIDX as the publisher sent them (-1: absent). Each
   * subscription writes its own values into the shared packet before sending it, so the next one must
   * not read them from the packet.
   */
  packetPictureId = -1;
  packetTl0 = -1;
  /** VP9: this packet's payload descriptor (its layers), read once; `packetVp9Valid` false if unreadable. */
  readonly packetVp9: Vp9Descriptor = emptyVp9Descriptor();
  packetVp9Valid = false;
  /**
   * VP9 with spatial layers in one stream (SVC, e.g. L3T3_KEY): each spatial layer's height from the
   * last key picture's scalability structure; empty without SVC. Subscriptions then drop the layers
   * above what they show (simulcast/svc-layers.ts).
   */
  svcHeights: readonly number[] = [];
  private track: Track | null = null;
  private readonly outgoingPayloadType: number;
  private readonly cache: PacketCache | null;
  private readonly pli: Buffer;
  private readonly senderReport = Buffer.alloc(28);
  private readonly retransmission = Buffer.allocUnsafe(PacketCache.SLOT_SIZE);
  private lastKeyframeRequest = Number.NEGATIVE_INFINITY;
  /** A key frame was asked for before the publisher's track could carry the request. */
  private keyframeWanted = false;
  private cancelDelayedKeyframeRequest: CancelTimer | null = null;
  private closed = false;
  /** Sender Reports forwarded per layer (budgets.ts): a publisher's flood of them is not fanned out. */
  private readonly senderReportBudgets = [0, 1, 2].map(
    () => new TokenBucket(SENDER_REPORTS_BURST, SENDER_REPORTS_PER_SECOND),
  );

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
    this.cache = this.kind === 'video' ? new PacketCache(PACKET_CACHE_SIZE) : null;
    this.layerCaches = this.cache ? [this.cache] : [];
    this.layerGaps = this.cache ? [new GapTracker()] : [];
    this.pli = buildPli(rtcpSenderSsrc, 0);
    this.rtcpSenderSsrc = rtcpSenderSsrc;
  }

  /** The libdatachannel track of this m-line on the publish connection (null while not yet known). */
  attach(track: Track | null): void {
    this.track = track;
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
      if (payloadType === this.rtxPayloadType && this.rtxPayloadType !== 0)
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
    if (this.keyframeWanted) {
      // The track works now (media arrives): send the request that could not go out before.
      this.keyframeWanted = false;
      this.requestKeyframe();
    }
    // RED: a malformed packet goes to no one (its primary is what plain subscribers get).
    if (!red) this.red.notRed();
    else if (!this.red.accept(packet, this.payloadType, this.outgoingPayloadType)) return;
    const activity = this.speakerActivity;
    if (activity !== null && this.audioLevelExtensionId > 0) {
      const level = readAudioLevel(packet, this.audioLevelExtensionId);
      if (level >= 0) activity.add(level, red ? this.red.primaryBytes : audioPayloadBytes(packet));
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
   * once per packet, here.
   */
  private forward(packet: Buffer, layer: number, repaired: boolean, arrived: number): void {
    let sequence = packet.readUInt16BE(2);
    // Before it is cached: retransmissions from the cache carry the renamed slot too.
    this.packetTransportAt = claimTransportSlot(
      packet,
      this.transportCcExtensionId,
      SUBSCRIBER_TRANSPORT_CC_ID,
    );
    this.packetTransportBuffer = packet;
    if (this.kind === 'audio') {
      sequence = this.sequences.rewrite(sequence);
      packet.writeUInt16BE(sequence, 2);
    } else {
      const gaps = this.layerGaps[layer];
      let late = false;
      if (gaps !== undefined) {
        // A retransmission is of a packet before the newest: one "ahead" would move the stream on.
        if (repaired && !gaps.behind(sequence)) {
          this.context.counters.publisherRtxDropped++;
          return;
        }
        const order = gaps.received(sequence);
        if (order !== 'next') {
          // A copy of a packet already forwarded (a retransmission that crossed a second NACK, or
          // RTX payload padding: a recent packet sent again to probe the bandwidth).
          if (order === 'duplicate' || this.layerCaches[layer]!.get(sequence) !== undefined) {
            if (repaired) this.context.counters.publisherRtxDropped++;
            return;
          }
          late = true;
          if (repaired) this.context.counters.publisherRtxRecovered++;
        } else if (gaps.outstanding > 0 && this.cancelNackTimer === null) this.scheduleNacks(true);
      } else if (repaired) return;
      this.packetLate = late;
      const codec = this.codec;
      this.packetKeyframe = codec.isKeyframeStart(packet);
      if (this.packetKeyframe) this.layerHeights[layer] = codec.keyframeHeight(packet);
      if (codec.name === 'vp9') {
        const vp9 = this.packetVp9;
        this.packetVp9Valid = readVp9Descriptor(packet, vp9);
        if (this.packetKeyframe && this.packetVp9Valid && vp9.layerHeights.length > 0)
          this.svcHeights = vp9.layerHeights.length > 1 ? vp9.layerHeights : [];
      }
      this.packetTimestamp = packet.readUInt32BE(4);
      if (this.layerSsrcs.length > 1) {
        const descriptor = this.packetDescriptor;
        codec.locatePictureFields(packet, descriptor);
        this.packetPictureId = descriptor[0]! >= 0 ? readVp8PictureId(packet, descriptor[0]!) : -1;
        this.packetTl0 = descriptor[1]! >= 0 ? packet[descriptor[1]!]! : -1;
      }
      this.layerBytes[layer]! += packet.length;
      this.reception[layer]!.received(sequence);
      this.layerCaches[layer]?.store(packet);
    }
    packet[1] =
      (packet[1]! & 0x80) | (this.red.current ? OUTGOING_RED_PAYLOAD_TYPE : this.outgoingPayloadType);
    this.audioCache?.store(packet);
    const subscriptions = this.subscriptions;
    for (let i = 0; i < subscriptions.length; i++) subscriptions[i]!.send(packet, sequence, layer);
    if (arrived !== 0) transitProbe.record(performance.now() - arrived);
  }

  /**
   * An RTX packet (RFC 4588): a retransmission is turned back into the packet it repeats and handled
   * as a late one (gap tracker, cache, the subscriptions' late path); padding-only packets (the
   * publisher probing its bandwidth; transport-cc has counted them already) are dropped, as is any
   * packet of a stream that repairs no layer. Bounded like the media path: a retransmission must be
   * of a packet behind the newest and not cached yet, so each costs one header read, one move of its
   * payload and, at most once per sequence number, one fan-out.
   */
  private receiveRetransmission(packet: Buffer): void {
    const counters = this.context.counters;
    const ssrc = packet.readUInt32BE(8);
    let layer = ssrc === 0 ? -1 : this.rtxSsrcs.indexOf(ssrc);
    if (layer < 0) layer = this.learnRtxSsrc(packet, ssrc);
    const mediaSsrc =
      this.layerSsrcs.length > 1 ? (this.layerSsrcs[layer] ?? 0) : layer === 0 ? (this.ssrc ?? 0) : 0;
    if (mediaSsrc === 0) {
      counters.publisherRtxDropped++;
      return;
    }
    const original = restoreRetransmission(packet, mediaSsrc, this.payloadType);
    if (original === null) {
      counters.publisherPaddingDropped++;
      return;
    }
    this.forward(original, layer, true, 0);
  }

  /**
   * A retransmission SSRC not seen before: the layer whose media SSRC its FID group pairs it with, or
   * (RID simulcast) the layer its repaired-rtp-stream-id names. Learnt once per layer, like
   * learnLayerSsrc; -1 when it repairs no known layer or the layer has its RTX SSRC already.
   */
  private learnRtxSsrc(packet: Buffer, ssrc: number): number {
    if (ssrc === 0 || ssrc === this.ssrc || this.layerSsrcs.includes(ssrc)) return -1;
    const media = this.repairedBy.get(ssrc);
    let layer = -1;
    if (media !== undefined) {
      layer = this.layerSsrcs.length > 1 ? this.layerSsrcs.indexOf(media) : media === this.ssrc ? 0 : -1;
    } else if (this.repairedRidExtensionId > 0 && this.layerRids.length > 1) {
      const rid = readRtpStreamId(packet, this.repairedRidExtensionId);
      layer = rid === null ? -1 : this.layerRids.indexOf(rid);
    }
    if (layer < 0 || this.rtxSsrcs[layer] !== 0) return -1;
    this.rtxSsrcs[layer] = ssrc;
    this.context.logger.info(
      { participantId: this.participantId, source: this.source, layer },
      'media: retransmission stream identified',
    );
    return layer;
  }

  /**
   * RTX as the publisher's offer negotiates it (sdp.ts): its payload type (null: none), the FID pairs
   * of the streams kept, and the repaired-rtp-stream-id extension's id (RID simulcast; null: none).
   * The retransmission SSRCs are learnt again when any of it changes.
   */
  setRetransmissions(
    payloadType: number | null,
    pairs: readonly { media: number; rtx: number }[],
    repairedRidExtensionId: number | null,
  ): void {
    const rtxPayloadType = this.kind === 'video' ? (payloadType ?? 0) : 0;
    const repairedBy = new Map(pairs.map(({ media, rtx }) => [rtx, media]));
    const unchanged =
      rtxPayloadType === this.rtxPayloadType &&
      (repairedRidExtensionId ?? 0) === this.repairedRidExtensionId &&
      repairedBy.size === this.repairedBy.size &&
      [...repairedBy].every(([rtx, media]) => this.repairedBy.get(rtx) === media);
    if (unchanged) return;
    this.rtxPayloadType = rtxPayloadType;
    this.repairedBy = repairedBy;
    this.repairedRidExtensionId = rtxPayloadType === 0 ? 0 : (repairedRidExtensionId ?? 0);
    this.rtxSsrcs.fill(0);
  }

  /**
   * Tell the publisher how its video arrives (receiver report) and what bandwidth it may use (REMB).
   * Called by the room's clock; the browser's bandwidth estimate depends on it.
   */
  sendReceiverFeedback(): void {
    const track = this.track;
    if (this.kind !== 'video' || this.closed || track === null || this.ssrc === null || !track.isOpen())
      return;
    const ssrcs = this.layerSsrcs.length > 1 ? this.layerSsrcs : [this.ssrc];
    const feedback = buildReceiverFeedback(
      this.rtcpSenderSsrc,
      ssrcs.map((ssrc, layer) => ({ ssrc, stats: this.reception[layer]! })).filter(({ ssrc }) => ssrc !== 0), // RID layers not seen yet
      PUBLISHER_VIDEO_BITRATE,
    );
    if (feedback === null) return;
    try {
      track.sendMessageBinary(feedback);
    } catch {
      // closed meanwhile
    }
  }

  /**
   * RID simulcast: a packet of an SSRC not seen before names its layer in the rtp-stream-id
   * extension. Returns the layer, or -1 (no such RID, or the layer already has its SSRC: the packet
   * is not forwarded). A layer is learnt once: a publisher alternating two SSRCs under one RID cannot
   * make the SFU switch (and log) on every packet. A renegotiation that no longer announces a layer's
   * SSRC makes it learnable again (setRidLayers).
   */
  private learnLayerSsrc(packet: Buffer, ssrc: number): number {
    if (this.ridExtensionId === 0) return -1;
    const rid = readRtpStreamId(packet, this.ridExtensionId);
    const layer = rid === null ? -1 : this.layerRids.indexOf(rid);
    if (layer < 0 || this.layerSsrcs[layer] !== 0) return -1;
    const ssrcs = this.layerSsrcs.slice();
    ssrcs[layer] = ssrc;
    this.layerSsrcs = ssrcs;
    if (layer === 0 || this.ssrc === null) this.ssrc = ssrc;
    this.context.logger.info(
      { participantId: this.participantId, source: this.source, layer, rid },
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
    if (
      layerSsrcs.length !== this.layerSsrcs.length ||
      layerSsrcs.some((ssrc, i) => ssrc !== this.layerSsrcs[i])
    )
      this.rtxSsrcs.fill(0);
    this.layerSsrcs = layerSsrcs;
    if (this.layerOrder.length !== this.layerCount) this.layerOrder = [0, 1, 2].slice(0, this.layerCount);
    if (this.layerSsrcs.length > 0) this.ssrc = this.layerSsrcs[0]! || null;
    while (this.cache && this.layerCaches.length < Math.max(1, this.layerSsrcs.length)) {
      this.layerCaches.push(new PacketCache(PACKET_CACHE_SIZE));
      this.layerGaps.push(new GapTracker());
    }
  }

  /** Number of layers a subscriber can choose from (1 without simulcast). */
  get layerCount(): number {
    return Math.max(1, this.layerSsrcs.length);
  }

  /**
   * Whether `layer` is being sent: it carried packets in one of the last three measurement intervals
   * (about a second; assumed before the first). Browsers send fewer layers than offered for small
   * captures or low bandwidth.
   */
  isLayerSent(layer: number): boolean {
    const recent = this.activeLayers | this.earlierActiveLayers[0]! | this.earlierActiveLayers[1]!;
    return !this.layersMeasured || (recent & (1 << layer)) !== 0;
  }

  /** Close a bitrate measurement interval of `seconds` (called by the room's speaker clock). */
  measureLayers(seconds: number): void {
    let active = 0;
    for (let layer = 0; layer < 3; layer++) {
      if (this.layerBytes[layer]! > 0) active |= 1 << layer;
      const measured = (this.layerBytes[layer]! * 8) / seconds;
      const previous = this.layerBitrates[layer]!;
      this.layerBitrates[layer] =
        this.layersMeasured && previous > 0 && measured > 0
          ? previous + BITRATE_SMOOTHING * (measured - previous)
          : measured;
      this.layerBytes[layer] = 0;
    }
    const changed = active !== this.activeLayers || !this.layersMeasured;
    this.layersMeasured = true;
    const heightOf = (layer: number) => this.layerHeights[layer] || 180 * 2 ** layer;
    this.layerOrder = this.layerOrder.slice().sort((a, b) => heightOf(a) - heightOf(b) || a - b);
    this.earlierActiveLayers[1] = this.earlierActiveLayers[0]!;
    this.earlierActiveLayers[0] = this.activeLayers;
    this.activeLayers = active;
    if (changed) {
      this.context.logger.info(
        // active: bit n set when layer n (0 = lowest) carried packets.
        { participantId: this.participantId, source: this.source, layers: this.layerCount, active },
        'media: simulcast layers sent',
      );
    }
  }

  /**
   * Ask the publisher for a key frame (PLI), at most once per KEYFRAME_REQUEST_INTERVAL_MS. A request
   * inside the interval is not dropped but delayed to its end, so a new subscriber never waits for the
   * publisher's next periodic key frame.
   */
  requestKeyframe(): void {
    if (this.kind !== 'video' || this.closed || this.cancelDelayedKeyframeRequest) return;
    const wait = this.lastKeyframeRequest + KEYFRAME_REQUEST_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.sendKeyframeRequest();
      return;
    }
    this.cancelDelayedKeyframeRequest = this.context.timers.after(
      wait,
      guarded(this.context.logger, 'key frame request', () => {
        this.cancelDelayedKeyframeRequest = null;
        this.sendKeyframeRequest();
      }),
    );
  }

  private sendKeyframeRequest(): void {
    const track = this.track;
    if (track === null || this.ssrc === null || !track.isOpen()) {
      this.keyframeWanted = true;
      return;
    }
    const layers = this.layerSsrcs.length > 1 ? this.layerSsrcs : [this.ssrc];
    try {
      let sent = true;
      // Simulcast: every layer, so that a subscriber switching to any of them finds a key frame.
      for (const ssrc of layers) {
        if (ssrc === 0) continue; // a RID layer not seen yet
        this.pli.writeUInt32BE(ssrc, 8);
        sent = track.sendMessageBinary(this.pli) && sent;
      }
      if (sent) {
        this.lastKeyframeRequest = performance.now();
        this.context.counters.keyframeRequestsSent++;
        return;
      }
    } catch {
      // The track closed under us; the connection's state handler deals with that.
    }
    this.keyframeWanted = true;
  }

  /** First NACKs once the packets that arrived together are in (`soon`), then every interval. */
  private scheduleNacks(soon = false): void {
    const send = guarded(this.context.logger, 'publisher NACK', () => {
      this.cancelNackTimer = null;
      this.sendNacks();
    });
    const timers = this.context.timers;
    this.cancelNackTimer = soon ? timers.soon(send) : timers.after(PUBLISHER_NACK_INTERVAL_MS, send);
  }

  /**
   * NACK the publisher for the packets of each stream that are missing (Chromium retransmits them on
   * the same SSRC, RTX being left out of the publish answer); again on the next interval while any are.
   */
  private sendNacks(): void {
    const track = this.track;
    if (this.closed || track === null) return;
    const now = performance.now();
    const open = track.isOpen();
    let outstanding = false;
    for (let layer = 0; layer < this.layerGaps.length; layer++) {
      const gaps = this.layerGaps[layer]!;
      // (Layers left from an earlier simulcast offer have no SSRC now: their gaps only age out.)
      const ssrc = this.layerSsrcs.length > 1 ? this.layerSsrcs[layer] : layer === 0 ? this.ssrc : undefined;
      const lost = this.lost;
      lost.length = 0;
      gaps.collectDue(now, lost);
      if (lost.length > 0 && open && ssrc !== undefined && ssrc !== null && ssrc !== 0) {
        try {
          if (track.sendMessageBinary(buildNack(this.rtcpSenderSsrc, ssrc, lost)))
            this.context.counters.publisherNacks += lost.length;
        } catch {
          // closed meanwhile
        }
      }
      if (gaps.outstanding > 0) outstanding = true;
    }
    if (outstanding) this.scheduleNacks();
  }

  /**
   * Answer a subscriber's NACK from the packet cache (plain retransmission on its SSRC). `sequences`
   * are the numbers the subscriber saw, which its Subscription maps back to the cached ones.
   */
  retransmit(sequences: readonly number[], subscription: Subscription): void {
    const cache = this.layerCaches[subscription.layer] ?? this.cache ?? this.audioCache;
    if (cache === null) return;
    const counters = this.context.counters;
    const now = performance.now();
    // Each number once, however often the NACK lists it; within the subscription's budget (budgets.ts).
    for (const sequence of new Set(sequences)) {
      const packet = cache.get(subscription.originalSequence(sequence));
      if (packet === undefined) continue;
      if (!subscription.mayRetransmit(sequence, packet.length, now)) {
        counters.retransmissionsRefused++;
        continue;
      }
      packet.copy(this.retransmission);
      // Video is cached as the publisher sent it: the subscriber knows it under the SFU's payload type.
      if (this.kind === 'video')
        this.retransmission[1] = (this.retransmission[1]! & 0x80) | this.outgoingPayloadType;
      if (subscription.resend(this.retransmission.subarray(0, packet.length), sequence)) {
        counters.retransmissions++;
        counters.retransmittedBytes += packet.length;
      }
    }
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
      if (!this.senderReportBudgets[layer]!.take()) {
        this.context.counters.feedbackDropped++;
        continue;
      }
      for (const subscription of this.subscriptions) {
        if (subscription.layer !== layer || subscription.isPaused) continue;
        const report = writeSenderInfo(packet, message.offset, subscription.ssrc, this.senderReport);
        // The subscriber's RTP clock may be offset (simulcast layer switches): map the SR onto it.
        report.writeUInt32BE(subscription.outgoingTimestamp(report.readUInt32BE(16)), 16);
        subscription.sendControl(report);
      }
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
    this.cancelDelayedKeyframeRequest?.();
    this.cancelDelayedKeyframeRequest = null;
    this.cancelNackTimer?.();
    this.cancelNackTimer = null;
    this.track = null;
  }
}

/** Whether a Sender Report for `ssrc` follows message `index` in the same compound. */
function laterReportOf(messages: readonly RtcpMessage[], index: number, ssrc: number): boolean {
  for (let i = index + 1; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.type === 'sender-report' && message.ssrc === ssrc) return true;
  }
  return false;
}

/** Bytes of an RTP packet's payload (after header extensions, without padding): DTX frames are tiny. */
function audioPayloadBytes(packet: Buffer): number {
  const offset = rtpPayloadOffset(packet);
  if (offset < 0) return 0;
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  return Math.max(0, packet.length - offset - padding);
}
