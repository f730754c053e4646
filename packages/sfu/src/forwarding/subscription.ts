import { randomInt } from 'node:crypto';
import ndc, { type Audio, type Track, type Video } from 'node-datachannel';
import type { SubscribedTrack } from '../api/types.js';
import { guarded, type MediaContext } from '../room/media-context.js';
import { findOneByteExtension } from '../rtp/header-extension.js';
import { PacketCache } from '../rtp/packet-cache.js';
import { locateRedPrimary, OUTGOING_RED_PAYLOAD_TYPE, type RedPrimary, writeRedPrimary } from '../rtp/red.js';
import { parseRtcp } from '../rtp/rtcp.js';
import { isRtcp, readVp8PictureId, writeVp8PictureId } from '../rtp/rtp.js';
import { writeRetransmission } from '../rtp/rtx.js';
import { SequenceRewriter } from '../rtp/sequence-rewriter.js';
import type { VideoCodec } from '../rtp/video-codec.js';
import { emptyVp9Descriptor, readVp9Descriptor, type Vp9Descriptor } from '../rtp/vp9.js';
import { layerForSize } from '../simulcast/layer-choice.js';
import { SvcLayerSelector, SvcVerdict } from '../simulcast/svc-layers.js';
import { retainUntilClosed } from '../transport/native-handles.js';
import { PADDING_BURST, PADDING_BYTES, type SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import { TRANSPORT_CC_URI } from '../transport/transport-cc.js';
import { SUBSCRIBER_TRANSPORT_CC_ID } from '../transport/transport-sends.js';
import {
  DEFAULT_RETRANSMIT_SHARE,
  KEYFRAME_REQUESTS_BURST,
  KEYFRAME_REQUESTS_PER_SECOND,
  RESEND_INTERVAL_MS,
  RETRANSMIT_BURST_BYTES,
  RETRANSMIT_BURST_PACKETS,
  TokenBucket,
} from './budgets.js';
import { KEYFRAME_REQUEST_INTERVAL_MS, OUTGOING_PAYLOAD_TYPE, type Publication } from './publication.js';

/**
 * Simulcast and bandwidth (see chooseLayer). The estimate means congestion below this share of the
 * forwarded layer's bitrate: Chromium's estimate falls to 0.85 × the received rate on overuse, and
 * sits near 1.5 × without.
 */
const CONGESTED_SHARE = 0.8;
/**
 * Chromium's receive-side estimate grows by about 8 %/s while nothing is congested and falls at once
 * (to 0.85 × the received rate) on overuse. So an estimate below the layer's bitrate means congestion
 * only while it is falling: after a switch up to a layer whose bitrate is well above what was received
 * (a publisher on transport-cc sends 720p at ≈ 1.5 Mbit/s), it climbs behind it for several seconds,
 * and reading that climb as congestion dropped the layer again every time.
 */
const ESTIMATE_FALLS = 0.97;
const ESTIMATE_RISES = 1.01;
/** A fall counts this long (ms): congestion keeps the estimate falling; one dip then a flat line does not. */
const FALL_COUNTS_MS = 4000;
/**
 * A full queue on a capped link holds the delay flat, so the estimate may climb again while most
 * packets are lost: this many packets NACKed per second by the subscriber also mean congestion (5 %
 * random loss on a 720p layer is ≈ 8 a second; the capped viewer of e2e/bandwidth.test.ts sent 170).
 */
const CONGESTED_NACKS_PER_SECOND = 25;
/** The estimate is not trusted for this long after a switch: it lags the new rate (ms). */
const ESTIMATE_SETTLE_MS = 1500;
/** Congestion lowers the layer only when it lasts this long, not on a passing dip (ms). */
const CONGESTION_CONFIRM_MS = 1000;
/**
 * After congestion, one layer up is tried after this long (ms); each try that meets congestion again
 * doubles the wait, up to MAX_PROBE_AFTER_MS, and a try that holds for PROBE_HELD_MS resets it: a
 * link that cannot carry more is not hit every ten seconds.
 */
const PROBE_AFTER_MS = 10_000;
const MAX_PROBE_AFTER_MS = 80_000;
const PROBE_HELD_MS = 10_000;

/**
 * Layer choice from the SFU's own estimate (transport-cc, subscriber-bandwidth.ts), which unlike REMB
 * says what the path carries: a layer is kept while its bitrate fits the budget and left at once when
 * it does not; one layer up once the budget has covered UP_MARGIN × its bitrate for UP_HOLD_MS (the
 * estimate only gets there after a probe succeeded); video pauses when even the lowest layer has not
 * fitted — its budget below PAUSE_BELOW × its bitrate — for PAUSE_CONFIRM_MS, and resumes once the budget covers RESUME_MARGIN × that layer.
 */
const UP_MARGIN = 1.15;
const UP_HOLD_MS = 1000;
const PAUSE_CONFIRM_MS = 1000;
/**
 * Video pauses only when the budget is below this share of the lowest layer: a link that carries the
 * lowest layer barely (its queue and estimate dipping at each key frame) keeps it rather than freezing.
 */
const PAUSE_BELOW = 0.5;
const RESUME_MARGIN = 1.1;

/** Opus as Chromium offers it: in-band FEC on, 10 ms minimum packet time. */
const OPUS_FORMAT = 'minptime=10;useinbandfec=1';

/**
 * One publication forwarded to one subscriber: a SendOnly m-line on the subscriber's connection with
 * its own random SSRC. It rewrites the SSRC of each packet and answers the subscriber's feedback
 * (key frame requests go to the publisher, NACKs are answered from the publication's cache).
 */
export class Subscription {
  private track: Track | null = null;
  /**
   * The track was open at the last send, so the next one need not ask (`isOpen()` is a native call of
   * ≈ 0.2 µs, once per forwarded packet per subscriber). libdatachannel throws from a send on a track
   * that is not open or has closed: that clears this, and isOpen() decides again.
   */
  private trackOpen = false;
  private closed = false;
  /** Not forwarded now: paused for last-N or held by the subscriber's choice (the two below). */
  private paused = false;
  /** Last-N: the publisher is not among the subscriber's recent speakers. */
  private pausedForLastN = false;
  /** The subscriber asked for no video (audio-only, see Subscriber.setVideoReception). */
  private held = false;
  /** Even the lowest layer does not fit the subscriber's estimated bandwidth (transport-cc). */
  private pausedForBandwidth = false;
  /** The subscriber's answer rejected the m-line (a codec its browser cannot decode): nothing is sent. */
  private declined = false;
  /** Since when the lowest layer has not fitted (NaN: it does), and the next layer up has (NaN: not). */
  private unfitSince = Number.NaN;
  private upFitsSince = Number.NaN;
  /** This video's share of the subscriber's transport-cc estimate, bits/s (NaN: none, REMB rules). */
  private estimatedBudget = Number.NaN;
  /** A padding packet for probes (allocated at the first probe). */
  private padding: Buffer | null = null;
  /** Resumed video waits for a key frame: the receiver cannot decode what follows a gap before it. */
  private awaitingKeyframe = false;
  /** When this subscription last asked for the key frame it waits for (performance.now(), ms). */
  private keyframeAskedAt = Number.NEGATIVE_INFINITY;
  private readonly sequences = new SequenceRewriter();
  /** Simulcast layer forwarded now (-1: none yet) and the one wanted (switched to at its next key frame). */
  private currentLayer = -1;
  private targetLayer = 0;
  /** Layer limits: from the size the subscriber shows the video at, and from its bandwidth estimate. */
  private rankForSize = Number.POSITIVE_INFINITY;
  /** The height (device pixels) the subscriber shows this video at; Infinity until it says. */
  private displayHeight = Number.POSITIVE_INFINITY;
  /** VP9 SVC: which spatial/temporal layers this subscriber gets (null until the stream has layers). */
  private svc: SvcLayerSelector | null = null;
  /** VP9 SVC: reads a cached packet's descriptor when it is resent. */
  private resentVp9: Vp9Descriptor | null = null;
  /** The subscriber's own cap (data saver: 0, the lowest layer), whatever the display size. */
  private rankCap = Number.POSITIVE_INFINITY;
  private bandwidthBudget = Number.POSITIVE_INFINITY;
  /** When the forwarded layer last changed, and when the budget last forced a lower one (ms). */
  private switchedAt = Number.NEGATIVE_INFINITY;
  private bandwidthLimitedAt = Number.NEGATIVE_INFINITY;
  /** The current wait before trying a layer up after congestion, and when the last try began (ms). */
  private probeAfter = PROBE_AFTER_MS;
  private probedAt = Number.NEGATIVE_INFINITY;
  /** Since when the estimate has been below the forwarded layer's bitrate (NaN: it is not). */
  private congestedSince = Number.NaN;
  /** When the estimate last clearly fell (ESTIMATE_FALLS); -∞ once it has clearly risen since. */
  private estimateFellAt = Number.NEGATIVE_INFINITY;
  /** Packets the subscriber NACKed since `nackWindowStart`, and whether the last window was lossy. */
  private nacked = 0;
  private nackWindowStart = 0;
  private lossy = false;
  /** Offsets that make the forwarded stream continuous across layer switches (RTP clock, VP8 ids). */
  private timestampOffset = 0;
  private lastTimestamp = -1;
  private pictureIdOffset = 0;
  private lastPictureId = -1;
  private tl0Offset = 0;
  private lastTl0 = -1;
  private readonly descriptor = new Int32Array(2);
  /**
   * Feedback budgets (budgets.ts): retransmission credit earned as a share of what is forwarded, and
   * the key frame requests passed on to the publication.
   */
  private readonly retransmitShare: number;
  private readonly retransmitBytes = new TokenBucket(RETRANSMIT_BURST_BYTES, 0);
  private readonly retransmitPackets = new TokenBucket(RETRANSMIT_BURST_PACKETS, 0);
  private readonly keyframeRequests = new TokenBucket(KEYFRAME_REQUESTS_BURST, KEYFRAME_REQUESTS_PER_SECOND);
  /** Outgoing sequence numbers resent lately and when (ms), by sequence modulo their length. */
  private readonly resentSequences = new Int32Array(RESENT_MEMORY).fill(-1);
  private readonly resentAt = new Float64Array(RESENT_MEMORY);
  /**
   * RFC 4588 towards the subscriber (video with an RTX SSRC, once its answer accepted the RTX
   * payload type): NACK answers and probe padding go on the RTX stream, numbered in its own sequence.
   */
  private rtxAccepted = false;
  private rtxSequence = randomInt(0, 0x10000);
  /** The RTX form of a retransmission is written here (allocated at the first one). */
  private rtxPacket: Buffer | null = null;
  /** Audio: RED was offered on this m-line (the publisher sends it), and the subscriber's answer kept it. */
  private redOffered = false;
  private redAccepted = false;
  /** Audio: the subscriber's answer kept `nack` for Opus (its NACKs are answered from the audio cache). */
  private audioNackAccepted = false;

  constructor(
    readonly publication: Publication,
    readonly subscriberId: string,
    /** m-line id on the subscribe connection. */
    readonly mid: string,
    /** SSRC the subscriber sees for this track. */
    readonly ssrc: number,
    private readonly context: MediaContext,
    /** The subscribe connection's transport-cc numbering and estimate (null: not used). */
    private readonly bandwidth: SubscriberBandwidth | null = null,
    /** Video: the SSRC of its RTX stream, offered in an `a=ssrc-group:FID` (0: no RTX offered). */
    readonly rtxSsrc = 0,
    /** The RTX SSRCs of every video of this subscribe connection (not counted as streams in a REMB). */
    private readonly repairSsrcs: ReadonlySet<number> = new Set(),
  ) {
    this.retransmitShare = (context.options.retransmitPercent ?? DEFAULT_RETRANSMIT_SHARE * 100) / 100;
    // Simulcast: the best layer being sent, until the subscriber says how large it shows the video.
    this.chooseLayer();
  }

  /** True once the m-line has been added to the subscribe connection (it is in an offer). */
  get negotiated(): boolean {
    return this.track !== null;
  }

  /** The m-line description: the codec the SFU forwards and the SSRC, grouped by publishing participant. */
  createMedia(): Video | Audio {
    const publication = this.publication;
    const stream = streamId(publication.participantId, publication.source);
    const trackId = `${stream}-${publication.source}`;
    const cname = streamId(publication.participantId, 'cname');
    if (publication.kind === 'video') {
      const video = new ndc.Video(this.mid, 'SendOnly');
      const codec = publication.codec;
      offerVideoCodec(video, codec, publication.formatParameters);
      if (this.bandwidth !== null) negotiateTransportCc(video, codec.payloadType);
      video.addSSRC(this.ssrc, cname, stream, trackId);
      if (this.rtxSsrc !== 0) offerRtx(video, codec, this.ssrc, this.rtxSsrc, cname);
      return video;
    }
    const audio = new ndc.Audio(this.mid, 'SendOnly');
    audio.addOpusCodec(OUTGOING_PAYLOAD_TYPE.audio, OPUS_FORMAT);
    // Audio NACK: used only if the subscriber's answer keeps it (no browser here offers it; see README).
    audio.parseSdpLine(`a=rtcp-fb:${OUTGOING_PAYLOAD_TYPE.audio} nack`);
    // RFC 2198, when the publisher sends RED: both blocks Opus (`111/111`), as Chromium offers it.
    this.redOffered = publication.red.payloadType !== 0;
    if (this.redOffered) {
      const opus = OUTGOING_PAYLOAD_TYPE.audio;
      audio.addAudioCodec(OUTGOING_RED_PAYLOAD_TYPE, 'red', `${opus}/${opus}`);
    }
    if (this.bandwidth !== null) negotiateTransportCc(audio, OUTGOING_PAYLOAD_TYPE.audio);
    audio.addSSRC(this.ssrc, cname, stream, trackId);
    return audio;
  }

  /** Bind to the libdatachannel track created from createMedia(). */
  attach(track: Track): void {
    this.track = retainUntilClosed(track);
    this.trackOpen = false;
    const logger = this.context.logger;
    // Video shows up at once only if the publisher sends a key frame now.
    track.onOpen(guarded(logger, 'subscription open', () => this.publication.requestKeyframe()));
    track.onMessage(
      guarded(logger, 'subscriber feedback', (message: Buffer) => this.receiveFeedback(message)),
    );
  }

  /**
   * Forward one RTP packet (payload type already rewritten). `sequence` is its sequence number as the
   * publication forwards it, `layer` its simulcast layer (0 without simulcast). Rewrites sequence
   * number, SSRC and, for simulcast, timestamp and VP8 picture id / TL0PICIDX, in place.
   */
  send(packet: Buffer, sequence: number, layer: number): boolean {
    if (this.paused) return false;
    const publication = this.publication;
    if (publication.packetLate) return this.sendLate(packet, sequence, layer);
    if (layer !== this.currentLayer) {
      // Switch (or start) only at a key frame of the wanted layer: the decoder needs one.
      if (layer !== this.targetLayer || (this.currentLayer >= 0 && !publication.packetKeyframe)) return false;
      this.switchLayer(layer);
    } else if (this.awaitingKeyframe) {
      if (!publication.packetKeyframe) return this.stillAwaitingKeyframe();
      this.awaitingKeyframe = false;
    }
    // VP9 SVC: leave out the layers above this subscriber's; the last one kept ends the picture.
    let unmarked = -1;
    if (publication.svcHeights.length > 1) {
      const verdict = this.selectSvcLayers();
      if (verdict === SvcVerdict.Drop) {
        this.sequences.skip();
        return false;
      }
      if (verdict === SvcVerdict.ForwardEndOfPicture && (packet[1]! & 0x80) === 0) {
        unmarked = packet[1]!;
        packet[1] = unmarked | 0x80;
      }
    }
    if (publication.layerSsrcs.length > 1) {
      // From the publisher's values read once: the packet is shared, and the subscriptions before this
      // one have written theirs into it.
      const { packetDescriptor, packetTimestamp, packetPictureId, packetTl0 } = publication;
      this.rewriteLayerFields(packet, packetDescriptor, packetTimestamp, packetPictureId, packetTl0);
    }
    // RED to a subscriber without it: the primary block alone, as plain Opus (built once per packet).
    const red = publication.red;
    const outgoing = red.current && !this.redAccepted ? red.plainPacket(OUTGOING_PAYLOAD_TYPE.audio) : packet;
    const sent = outgoing !== null && this.transmit(outgoing, this.sequences.rewrite(sequence));
    // The packet is shared: the next subscription gets the publisher's marker bit.
    if (unmarked >= 0) packet[1] = unmarked;
    if (!sent) return false;
    // Forwarding earns the credit that NACK answers spend.
    const share = this.retransmitShare;
    this.retransmitBytes.add(packet.length * share);
    this.retransmitPackets.add(share);
    if (this.bandwidth?.probing && publication.kind === 'video') this.sendPadding(packet.readUInt32BE(4));
    return true;
  }

  /**
   * A bandwidth probe runs on this connection: send the padding it owes now, right after a media
   * packet (so it is spread like the media), as padding-only RTP packets on this stream — numbered in
   * its sequence (the receiver counts and drops them, as it does libwebrtc's own padding) and in the
   * connection's transport-wide sequence (that is what they are for). At most PADDING_BURST per media packet.
   */
  private sendPadding(timestamp: number): void {
    const bandwidth = this.bandwidth!;
    const track = this.track;
    if (track === null || !this.trackOpen) return;
    const now = performance.now();
    for (let i = 0; i < PADDING_BURST && bandwidth.paddingDue(now) > 0; i++) {
      // With RTX the padding goes on the RTX stream (as libwebrtc pads), leaving the video's sequence alone.
      const rtx = this.rtxAccepted;
      const sequence = rtx ? this.rtxSequence : this.sequences.insert();
      if (sequence < 0) return;
      this.padding ??= paddingPacket(this.publication.codec.payloadType);
      const packet = this.padding;
      packet[1] = rtx ? this.publication.codec.rtxPayloadType : this.publication.codec.payloadType;
      packet.writeUInt16BE(sequence, 2);
      packet.writeUInt32BE(timestamp, 4);
      packet.writeUInt32BE(rtx ? this.rtxSsrc : this.ssrc, 8);
      const transport = bandwidth.sends.nextSequence;
      packet[17] = transport >> 8;
      packet[18] = transport & 0xff;
      try {
        if (!track.sendMessageBinary(packet)) return;
      } catch {
        this.trackOpen = false;
        return;
      }
      if (rtx) this.rtxSequence = (this.rtxSequence + 1) & 0xffff;
      bandwidth.sends.sent(packet.length, now);
      bandwidth.paddingSent(packet.length);
    }
  }

  /**
   * Whether the packet the subscriber NACKed as `outgoingSequence` (`bytes` long) may be resent now:
   * not resent to it in the last RESEND_INTERVAL_MS, and within its retransmission budget. Spends the
   * budget when it may.
   */
  mayRetransmit(outgoingSequence: number, bytes: number, now: number): boolean {
    const slot = outgoingSequence & (RESENT_MEMORY - 1);
    if (this.resentSequences[slot] === outgoingSequence && now - this.resentAt[slot]! < RESEND_INTERVAL_MS)
      return false;
    if (this.retransmitPackets.available < 1 || !this.retransmitBytes.take(bytes, now)) return false;
    this.retransmitPackets.take(1, now);
    this.resentSequences[slot] = outgoingSequence;
    this.resentAt[slot] = now;
    return true;
  }

  /**
   * A packet older than ones already forwarded (the publisher's retransmission after the SFU's NACK, or
   * reordered): sent under the number the subscriber expects for it, which may answer its own pending
   * NACK. Never starts a layer or ends a wait for a key frame (the rest of that frame went by), and is
   * not sent when it belongs before the last switch or pause.
   */
  private sendLate(packet: Buffer, sequence: number, layer: number): boolean {
    if (layer !== this.currentLayer || this.awaitingKeyframe) return false;
    const publication = this.publication;
    if (publication.svcHeights.length > 1) {
      const svc = this.svc;
      const vp9 = publication.packetVp9;
      if (svc === null || !publication.packetVp9Valid || vp9.spatial > svc.currentSpatial) return false;
      if (vp9.temporal > svc.currentTemporal) return false;
    }
    const outgoing = this.sequences.late(sequence);
    if (outgoing < 0) return false;
    if (publication.layerSsrcs.length > 1) {
      // The shared packet: the publisher's values as the publication read them (see send()).
      const { packetDescriptor, packetTimestamp, packetPictureId, packetTl0 } = publication;
      this.rewriteOlderFields(packet, packetDescriptor, packetTimestamp, packetPictureId, packetTl0);
    }
    return this.transmit(packet, outgoing);
  }

  /**
   * Resumed video, and the key frame it waits for has not come: the one request may have been lost
   * (or the key frame), and the subscriber, receiving nothing, never asks itself. Ask again once per
   * interval while the publisher's packets keep coming. Returns false (the packet is not sent).
   */
  private stillAwaitingKeyframe(): false {
    const now = performance.now();
    if (now - this.keyframeAskedAt >= KEYFRAME_REQUEST_INTERVAL_MS) {
      this.keyframeAskedAt = now;
      this.publication.requestKeyframe();
    }
    return false;
  }

  /** The simulcast layer this subscriber receives (0 without simulcast). */
  get layer(): number {
    return Math.max(0, this.currentLayer);
  }

  /** The subscriber's RTP timestamp for a publisher timestamp of the current layer. */
  outgoingTimestamp(timestamp: number): number {
    return (timestamp - this.timestampOffset) >>> 0;
  }

  /** Simulcast: the size (device pixels) at which the subscriber shows this video; 0 × 0 when hidden. */
  setDisplaySize(height: number): void {
    const { layerHeights, layerOrder, layerCount } = this.publication;
    let rank = layerCount - 1;
    for (let i = 0; i < layerCount; i++) {
      // Unknown heights (no key frame seen yet): assume each layer doubles the one below, 180p first.
      const layerHeight = layerHeights[layerOrder[i]!] || 180 * 2 ** i;
      if (layerHeight >= height) {
        rank = i;
        break;
      }
    }
    this.rankForSize = rank;
    this.displayHeight = height;
    this.targetSvcLayers(true);
    this.chooseLayer();
  }

  /**
   * VP9 SVC: the smallest spatial layer that covers the displayed height (the top one if none does),
   * no higher than the layer cap (data saver); all temporal layers. Climbing needs a key picture,
   * which is asked for here (and on the room's clock, chooseLayer, while it is due).
   */
  private targetSvcLayers(askForKeyframe: boolean): void {
    const heights = this.publication.svcHeights;
    if (this.svc === null || heights.length < 2) return;
    let spatial = heights.length - 1;
    for (let layer = 0; layer < heights.length; layer++) {
      if (heights[layer]! >= this.displayHeight) {
        spatial = layer;
        break;
      }
    }
    this.svc.setTarget(Math.min(spatial, this.rankCap), 2);
    if (askForKeyframe) this.askForSvcKeyframe();
  }

  /** VP9 SVC: a key picture is due while a larger spatial layer is wanted than forwarded. */
  private askForSvcKeyframe(): void {
    const svc = this.svc;
    if (svc !== null && svc.currentSpatial >= 0 && svc.wantsKeyframe && !this.paused)
      this.publication.requestKeyframe();
  }

  /**
   * VP9 SVC: this packet's verdict for this subscriber. The selector is made at the stream's first key
   * picture with layers (its scalability structure gives the heights) and re-aimed at each key picture.
   */
  private selectSvcLayers(): SvcVerdict {
    const publication = this.publication;
    if (!publication.packetVp9Valid) return SvcVerdict.Drop;
    if (this.svc === null || publication.packetKeyframe) {
      this.svc ??= new SvcLayerSelector();
      this.targetSvcLayers(false);
    }
    return this.svc.select(publication.packetVp9);
  }

  /**
   * Simulcast: the highest layer rank (0 = smallest picture) the subscriber accepts, whatever the size
   * it shows the video at (data saver); Infinity for no cap.
   */
  setLayerCap(rank: number): void {
    if (rank === this.rankCap) return;
    this.rankCap = rank;
    this.targetSvcLayers(true);
    this.chooseLayer();
  }

  /** Simulcast: the share of the subscriber's bandwidth estimate (REMB) this video may use, bits/s. */
  setBandwidthBudget(bitsPerSecond: number): void {
    // (The first estimate counts as a fall from no limit.)
    const previous = this.bandwidthBudget;
    if (bitsPerSecond < previous * ESTIMATE_FALLS) this.estimateFellAt = performance.now();
    else if (bitsPerSecond > previous * ESTIMATE_RISES) this.estimateFellAt = Number.NEGATIVE_INFINITY;
    this.bandwidthBudget = bitsPerSecond;
    this.chooseLayer();
  }

  /**
   * Pick the layer to forward: the one the display size asks for, among the layers being sent, lowered
   * when the subscriber's bandwidth estimate cannot carry it. A change takes effect at that layer's
   * next key frame (asked for again on every call while the switch is pending: the room's clock calls
   * this every few hundred ms).
   *
   * A browser's receive-side estimate (REMB) stays near 1.5 × what it receives and drops below it
   * only on congestion, so it cannot say whether a larger layer would fit: the budget lowers the layer
   * when it has fallen (or the subscriber NACKs much) and stays clearly below what is being forwarded
   * for a second (ignoring the estimate for a
   * while after a switch, which it lags), allows a larger layer it covers at once, and after a quiet
   * period tries one layer up (waiting longer after each try that fails).
   */
  chooseLayer(): void {
    this.askForSvcKeyframe();
    const publication = this.publication;
    const { layerBitrates, layerOrder } = publication;
    const top = publication.layerCount - 1;
    const sent = (rank: number) => publication.isLayerSent(layerOrder[rank]!);
    // Ranks count from the smallest picture up (layerOrder maps a rank to the publisher's layer).
    let rank = layerForSize(Math.min(this.rankForSize, this.rankCap), top, sent);
    const bitrateAt = (r: number) => layerBitrates[layerOrder[r]!]!;
    const now = performance.now();
    if (now - this.nackWindowStart >= 1000) {
      this.lossy = (this.nacked * 1000) / (now - this.nackWindowStart) > CONGESTED_NACKS_PER_SECOND;
      this.nacked = 0;
      this.nackWindowStart = now;
    }
    if (this.estimateRules(now)) {
      this.target(layerOrder[this.rankForEstimate(rank, now)]!);
      return;
    }
    if (this.pausedForBandwidth) this.setPausedForBandwidth(false);
    const budget = this.bandwidthBudget;
    if (budget < bitrateAt(rank) && top > 0) {
      const current = this.currentLayer >= 0 ? layerOrder.indexOf(this.currentLayer) : -1;
      // The largest sent layer at most `limit` that the budget covers (the lowest sent one if none does).
      const fitting = (limit: number) => {
        let fit = -1;
        for (let r = 0; r <= limit; r++) if (sent(r) && (fit < 0 || bitrateAt(r) <= budget)) fit = r;
        return fit < 0 ? rank : fit;
      };
      // Heavy loss is congestion at once (no estimate to wait for); a low estimate once it has settled.
      const congested =
        current >= 0 &&
        (this.lossy ||
          (now - this.estimateFellAt < FALL_COUNTS_MS &&
            budget < CONGESTED_SHARE * bitrateAt(current) &&
            now - this.switchedAt >= ESTIMATE_SETTLE_MS));
      if (!congested) this.congestedSince = Number.NaN;
      else if (Number.isNaN(this.congestedSince)) this.congestedSince = now;
      if (congested && now - this.congestedSince >= CONGESTION_CONFIRM_MS) {
        // Congested for a while, not a passing dip: a smaller layer than the one being forwarded.
        rank = Math.min(rank, fitting(Math.max(0, current - 1)));
        // A try one layer up failed: wait twice as long before the next.
        if (now - this.probedAt < PROBE_HELD_MS)
          this.probeAfter = Math.min(2 * this.probeAfter, MAX_PROBE_AFTER_MS);
        this.probedAt = Number.NEGATIVE_INFINITY;
        this.bandwidthLimitedAt = now;
      } else if (now - this.bandwidthLimitedAt < this.probeAfter) {
        // Recently congested: keep the layer, or go up only as far as the budget covers.
        rank = Math.min(rank, Math.max(current, fitting(rank)));
      } else if (current >= 0 && rank > current) {
        // Quiet for a while: try one layer up (the estimate lags what it has not seen).
        const up = Math.min(rank, Math.max(current + 1, fitting(rank)));
        if (up !== current && this.probedAt === Number.NEGATIVE_INFINITY) this.probedAt = now;
        rank = up;
      }
    }
    // A try that held: the next congestion starts the waits over.
    if (now - this.probedAt >= PROBE_HELD_MS) {
      this.probeAfter = PROBE_AFTER_MS;
      this.probedAt = Number.NEGATIVE_INFINITY;
    }
    this.target(layerOrder[rank]!);
  }

  /** Switch to `layer` at its next key frame (asked for now; a paused subscription asks when it resumes). */
  private target(layer: number): void {
    this.targetLayer = layer;
    if (layer !== this.currentLayer && this.currentLayer >= 0 && !this.paused)
      this.publication.requestKeyframe();
  }

  /** The transport-cc estimate decides (fresh feedback, and a share computed from it). */
  private estimateRules(now: number): boolean {
    const bandwidth = this.bandwidth;
    return bandwidth !== null && !Number.isNaN(this.estimatedBudget) && bandwidth.active(now);
  }

  /**
   * The layer rank for this video's share of the estimate, at most `limit` (the display size's, among
   * the layers sent): see UP_MARGIN and the constants beside it. Pauses and resumes the video.
   */
  private rankForEstimate(limit: number, now: number): number {
    const publication = this.publication;
    const { layerBitrates, layerOrder } = publication;
    const budget = this.estimatedBudget;
    const sent = (rank: number) => publication.isLayerSent(layerOrder[rank]!);
    const bitrateAt = (rank: number) => layerBitrates[layerOrder[rank]!]!;
    let lowest = -1;
    let fits = -1;
    let fitsWithMargin = -1;
    for (let rank = 0; rank <= limit; rank++) {
      if (!sent(rank)) continue;
      if (lowest < 0) lowest = rank;
      if (bitrateAt(rank) <= budget) fits = rank;
      if (bitrateAt(rank) * UP_MARGIN <= budget) fitsWithMargin = rank;
    }
    if (lowest < 0) return limit; // nothing sent at or below the size: chooseLayer's pick stands
    if (fits < 0) {
      // Not even the lowest layer fits: video pauses (audio goes on) when far from fitting, for a while.
      if (publication.layersMeasured && budget < PAUSE_BELOW * bitrateAt(lowest)) {
        if (Number.isNaN(this.unfitSince)) this.unfitSince = now;
        if (now - this.unfitSince >= PAUSE_CONFIRM_MS) this.setPausedForBandwidth(true);
      } else this.unfitSince = Number.NaN;
      this.upFitsSince = Number.NaN;
      return lowest;
    }
    this.unfitSince = Number.NaN;
    if (this.pausedForBandwidth) {
      if (bitrateAt(lowest) * RESUME_MARGIN <= budget) this.setPausedForBandwidth(false);
      return lowest;
    }
    const current = this.currentLayer >= 0 ? layerOrder.indexOf(this.currentLayer) : -1;
    // The first layer: the largest that fits. A layer that no longer fits (or is no longer sent, or is
    // above the size): the largest below it that does, at once.
    if (current < 0 || current > fits || !sent(current)) {
      this.upFitsSince = Number.NaN;
      return fits;
    }
    if (fitsWithMargin > current) {
      if (Number.isNaN(this.upFitsSince)) this.upFitsSince = now;
      if (now - this.upFitsSince >= UP_HOLD_MS) {
        this.upFitsSince = Number.NaN;
        let up = current + 1;
        while (up < fitsWithMargin && !sent(up)) up++;
        return up;
      }
    } else this.upFitsSince = Number.NaN;
    return current;
  }

  /**
   * The subscriber's estimate gives this video `bitsPerSecond` (Subscriber shares it out; NaN: no
   * estimate, the REMB rules apply).
   */
  setEstimatedBudget(bitsPerSecond: number): void {
    this.estimatedBudget = bitsPerSecond;
    if (this.publication.kind === 'video') this.chooseLayer();
  }

  /**
   * How much more than this video's budget the subscriber would need for the next step it wants (the
   * next layer up within its display size, or the lowest layer to resume), bits/s; 0 when it wants
   * nothing more or nothing is known of the layers' bitrates yet.
   */
  wantedExtra(): number {
    const publication = this.publication;
    if (publication.kind !== 'video' || !publication.layersMeasured || this.pausedForLastN || this.held)
      return 0;
    const { layerBitrates, layerOrder } = publication;
    const top = Math.min(publication.layerCount - 1, this.rankForSize, this.rankCap);
    const budget = Number.isNaN(this.estimatedBudget) ? 0 : this.estimatedBudget;
    const current = this.currentLayer >= 0 ? layerOrder.indexOf(this.currentLayer) : -1;
    for (let rank = this.pausedForBandwidth ? 0 : current + 1; rank <= top; rank++) {
      if (!publication.isLayerSent(layerOrder[rank]!)) continue;
      const margin = this.pausedForBandwidth ? RESUME_MARGIN : UP_MARGIN;
      return Math.max(0, layerBitrates[layerOrder[rank]!]! * margin - budget);
    }
    return 0;
  }

  /** Forwarded now, for the subscriber's share of its estimate: not held by last-N or its own choice. */
  get sharesBandwidth(): boolean {
    return !this.pausedForLastN && !this.held && !this.closed;
  }

  private setPausedForBandwidth(paused: boolean): void {
    if (paused === this.pausedForBandwidth) return;
    this.pausedForBandwidth = paused;
    this.unfitSince = Number.NaN;
    this.context.logger.debug(
      { subscriberId: this.subscriberId, mid: this.mid, paused },
      'media: video paused for bandwidth',
    );
    this.applyPause();
  }

  /** Video is paused because the subscriber's bandwidth cannot carry even its lowest layer. */
  get isPausedForBandwidth(): boolean {
    return this.pausedForBandwidth;
  }

  private switchLayer(layer: number): void {
    if (this.currentLayer >= 0) {
      this.sequences.skip();
      // The subscriber's clock goes on one frame (at 30 fps) after the last packet it got; picture id
      // and TL0PICIDX go on from the last ones sent (offsets taken from the first packet of the layer).
      this.timestampOffset = (this.publication.packetTimestamp - ((this.lastTimestamp + 3000) >>> 0)) >>> 0;
      this.pictureIdOffset = -1;
      this.tl0Offset = -1;
    }
    this.currentLayer = layer;
    this.awaitingKeyframe = false;
    this.switchedAt = performance.now();
  }

  /**
   * Write this subscriber's RTP timestamp, VP8 picture id and TL0PICIDX into `packet`, from the
   * publisher's values (`pictureId`/`tl0` -1 when absent) and this subscription's offsets.
   */
  private rewriteLayerFields(
    packet: Buffer,
    descriptor: Int32Array,
    timestamp: number,
    pictureId: number,
    tl0: number,
  ): void {
    const outgoingTimestamp = (timestamp - this.timestampOffset) >>> 0;
    packet.writeUInt32BE(outgoingTimestamp, 4);
    this.lastTimestamp = outgoingTimestamp;
    const pictureAt = descriptor[0]!;
    if (pictureAt >= 0 && pictureId >= 0) {
      if (this.pictureIdOffset < 0) {
        this.pictureIdOffset = this.lastPictureId < 0 ? 0 : (pictureId - this.lastPictureId - 1) & 0x7fff;
      }
      const outgoing = (pictureId - this.pictureIdOffset) & 0x7fff;
      writeVp8PictureId(packet, pictureAt, outgoing);
      this.lastPictureId = outgoing;
    }
    const tl0At = descriptor[1]!;
    if (tl0At >= 0 && tl0 >= 0) {
      if (this.tl0Offset < 0) this.tl0Offset = this.lastTl0 < 0 ? 0 : (tl0 - this.lastTl0 - 1) & 0xff;
      const outgoing = (tl0 - this.tl0Offset) & 0xff;
      packet[tl0At] = outgoing;
      this.lastTl0 = outgoing;
    }
  }

  /**
   * Send a cached packet again under the sequence number (and RTP clock) the subscriber knows it by:
   * on the RTX stream when the subscriber accepted RTX, else on the media SSRC.
   */
  resend(packet: Buffer, outgoingSequence: number): boolean {
    if (this.paused) return false;
    // VP9 SVC: the cached packet has the publisher's marker bit; it ended this subscriber's picture if
    // it is the end of the top layer this subscriber gets.
    const svc = this.svc;
    if (svc !== null && this.publication.svcHeights.length > 1) {
      this.resentVp9 ??= emptyVp9Descriptor();
      const vp9 = this.resentVp9;
      if (readVp9Descriptor(packet, vp9) && vp9.layerEnd && vp9.spatial === svc.currentSpatial)
        packet[1]! |= 0x80;
    }
    if (this.publication.layerSsrcs.length > 1) {
      // This subscriber's copy of the cached packet: its own descriptor, and the publisher's values.
      const descriptor = this.descriptor;
      this.publication.codec.locatePictureFields(packet, descriptor);
      const pictureId = descriptor[0]! >= 0 ? readVp8PictureId(packet, descriptor[0]!) : -1;
      const tl0 = descriptor[1]! >= 0 ? packet[descriptor[1]!]! : -1;
      this.rewriteOlderFields(packet, descriptor, packet.readUInt32BE(4), pictureId, tl0);
    }
    if (this.rtxAccepted) return this.transmitRetransmission(packet, outgoingSequence);
    if ((packet[1]! & 0x7f) === OUTGOING_RED_PAYLOAD_TYPE && !this.redAccepted)
      return this.resendPrimary(packet, outgoingSequence);
    return this.transmit(packet, outgoingSequence);
  }

  /** A cached RED packet to a subscriber without RED: its primary block as plain Opus. */
  private resendPrimary(packet: Buffer, outgoingSequence: number): boolean {
    const primary: RedPrimary = { start: -1, end: -1 };
    if (!locateRedPrimary(packet, OUTGOING_PAYLOAD_TYPE.audio, primary)) return false;
    this.rtxPacket ??= Buffer.allocUnsafe(PacketCache.SLOT_SIZE + 2);
    const plain = writeRedPrimary(packet, primary, OUTGOING_PAYLOAD_TYPE.audio, this.rtxPacket);
    return plain !== null && this.transmit(plain, outgoingSequence);
  }

  /**
   * The `rtcp-fb` values (`<pt> <feedback>`) the subscriber's answer kept on this m-line: for audio,
   * `nack` on Opus makes the publication keep its packets and this subscription answer NACKs.
   */
  acceptFeedback(feedback: readonly string[]): void {
    this.audioNackAccepted =
      this.publication.kind === 'audio' && feedback.includes(`${OUTGOING_PAYLOAD_TYPE.audio} nack`);
    if (this.audioNackAccepted) this.publication.enableAudioRetransmissions();
  }

  /** Audio: the subscriber NACKs this microphone and gets retransmissions. */
  get usesAudioNack(): boolean {
    return this.audioNackAccepted;
  }

  /** The subscriber's answer rejected this m-line: forward nothing to it (its browser would drop it). */
  decline(): void {
    this.declined = true;
    this.applyPause();
  }

  /**
   * The subscriber's answer lists these payload types on this m-line: RTX is used when it kept the
   * RTX payload type the offer paired with the video (RFC 4588 §8.6).
   */
  acceptFormats(payloadTypes: readonly number[]): void {
    this.rtxAccepted = this.rtxSsrc !== 0 && payloadTypes.includes(this.publication.codec.rtxPayloadType);
    this.redAccepted = this.redOffered && payloadTypes.includes(OUTGOING_RED_PAYLOAD_TYPE);
  }

  /** Audio: RED packets are passed on whole (else only their primary block, as plain Opus). */
  get usesRed(): boolean {
    return this.redAccepted;
  }

  /** True when NACK answers and probe padding go on the RTX stream. */
  get usesRtx(): boolean {
    return this.rtxAccepted;
  }

  /**
   * A retransmission as RTX (RFC 4588 §4): the RTX SSRC and payload type, the RTX stream's next
   * sequence number, the number the subscriber knows the packet by (OSN) before its payload.
   */
  private transmitRetransmission(packet: Buffer, outgoingSequence: number): boolean {
    if (this.track === null) return false;
    packet.writeUInt16BE(outgoingSequence, 2);
    packet.writeUInt32BE(this.ssrc, 8);
    this.rtxPacket ??= Buffer.allocUnsafe(PacketCache.SLOT_SIZE + 2);
    const rtx = writeRetransmission(
      packet,
      this.rtxPacket,
      this.rtxSsrc,
      this.publication.codec.rtxPayloadType,
      this.rtxSequence,
    );
    if (rtx === null) return false;
    if (!this.deliver(rtx)) return false;
    this.rtxSequence = (this.rtxSequence + 1) & 0xffff;
    return true;
  }

  /** rewriteLayerFields for a packet older than the last one sent: the last values stay as they are. */
  private rewriteOlderFields(
    packet: Buffer,
    descriptor: Int32Array,
    timestamp: number,
    pictureId: number,
    tl0: number,
  ): void {
    const { lastTimestamp, lastPictureId, lastTl0 } = this;
    this.rewriteLayerFields(packet, descriptor, timestamp, pictureId, tl0);
    this.lastTimestamp = lastTimestamp;
    this.lastPictureId = lastPictureId;
    this.lastTl0 = lastTl0;
  }

  /** The publication's sequence number of a packet the subscriber knows as `outgoingSequence`. */
  originalSequence(outgoingSequence: number): number {
    return this.sequences.original(outgoingSequence);
  }

  /** Stop or resume forwarding for last-N. */
  setPaused(paused: boolean): void {
    this.pausedForLastN = paused;
    this.applyPause();
  }

  /** Stop or resume forwarding because the subscriber asked for no video (audio-only). */
  setHeld(held: boolean): void {
    this.held = held;
    this.applyPause();
  }

  /**
   * Forward only when neither last-N nor the subscriber's choice holds the track back. Video resumes
   * at a key frame, which is asked for at once (the publication throttles such requests per track).
   */
  private applyPause(): void {
    const paused = this.pausedForLastN || this.held || this.pausedForBandwidth || this.declined;
    if (paused === this.paused || this.closed) return;
    this.paused = paused;
    if (paused) {
      this.sequences.skip();
      return;
    }
    if (this.publication.kind === 'video') {
      this.awaitingKeyframe = true;
      this.keyframeAskedAt = performance.now();
      this.publication.requestKeyframe();
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private transmit(packet: Buffer, sequence: number): boolean {
    if (this.track === null) return false;
    packet.writeUInt16BE(sequence, 2);
    packet.writeUInt32BE(this.ssrc, 8);
    return this.deliver(packet);
  }

  /** Send a packet whose header is written, numbered in the connection's transport-cc sequence. */
  private deliver(packet: Buffer): boolean {
    const track = this.track;
    if (track === null) return false;
    if (!this.trackOpen) {
      if (!track.isOpen()) return false;
      this.trackOpen = true;
    }
    // transport-cc: the connection's next number, in the slot the publication renamed (or, for a copy
    // from the cache, where the renamed slot is). A packet without one goes out unnumbered.
    const bandwidth = this.bandwidth;
    let transportAt = -1;
    if (bandwidth !== null) {
      const publication = this.publication;
      transportAt =
        packet === publication.packetTransportBuffer
          ? publication.packetTransportAt
          : findOneByteExtension(packet, SUBSCRIBER_TRANSPORT_CC_ID);
      if (transportAt >= 0) {
        const transport = bandwidth.sends.nextSequence;
        packet[transportAt] = transport >> 8;
        packet[transportAt + 1] = transport & 0xff;
      }
    }
    try {
      if (!track.sendMessageBinary(packet)) return false;
    } catch {
      this.trackOpen = false; // closed since the last send (on libdatachannel's thread)
      return false;
    }
    if (transportAt >= 0) bandwidth!.sends.sent(packet.length, performance.now());
    const counters = this.context.counters;
    counters.packetsForwarded++;
    counters.bytesForwarded += packet.length;
    return true;
  }

  /** Send an RTCP packet the SFU built for this subscriber. */
  sendControl(packet: Buffer): void {
    const track = this.track;
    if (track === null || !track.isOpen()) return;
    try {
      track.sendMessageBinary(packet);
    } catch {
      // closed meanwhile
    }
  }

  describe(): SubscribedTrack {
    const { participantId, source, kind, codec } = this.publication;
    return { mid: this.mid, participantId, source, kind, ...(kind === 'video' && { codec: codec.name }) };
  }

  private receiveFeedback(message: Buffer): void {
    if (this.closed || !isRtcp(message)) return;
    // libdatachannel hands the whole compound to every track it mentions: act only on what is about us.
    for (const rtcp of parseRtcp(message)) {
      switch (rtcp.type) {
        case 'pli':
          if (rtcp.mediaSsrc === this.ssrc) this.passKeyframeRequest();
          break;
        case 'fir':
          if (rtcp.requests.some((request) => request.ssrc === this.ssrc)) this.passKeyframeRequest();
          break;
        case 'nack':
          if (rtcp.mediaSsrc === this.ssrc) {
            this.nacked += rtcp.lost.length;
            this.publication.retransmit(rtcp.lost, this);
          }
          break;
        case 'transport-feedback':
          // About the whole connection, whichever of its SSRCs it names; a copy delivered on another
          // track too matches nothing new (each packet counts once).
          this.bandwidth?.receiveFeedback(message, rtcp.offset, rtcp.length, performance.now());
          break;
        case 'remb':
          // The subscriber's estimate covers all the streams it lists: this video gets an equal share.
          // Chromium lists the RTX SSRCs it receives on too: they carry no stream of their own.
          if (this.publication.kind === 'video' && rtcp.ssrcs.includes(this.ssrc)) {
            let streams = 0;
            for (const ssrc of rtcp.ssrcs) if (!this.repairSsrcs.has(ssrc)) streams++;
            this.setBandwidthBudget(rtcp.bitrate / Math.max(1, streams));
          }
          break;
      }
    }
  }

  /** The subscriber asks for a key frame: passed on to the publication within its budget. */
  private passKeyframeRequest(): void {
    if (this.keyframeRequests.take()) this.publication.requestKeyframe();
    else this.context.counters.feedbackDropped++;
  }

  /** Stop forwarding and close the m-line's track (the next offer removes the m-line). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.publication.removeSubscription(this);
    const track = this.track;
    this.track = null;
    try {
      track?.close();
    } catch {
      // already gone with its connection
    }
  }
}

/** Offer the transport-wide sequence number extension and transport-cc feedback on an m-line. */
function negotiateTransportCc(media: Video | Audio, payloadType: number): void {
  media.parseSdpLine(`a=extmap:${SUBSCRIBER_TRANSPORT_CC_ID} ${TRANSPORT_CC_URI}`);
  media.parseSdpLine(`a=rtcp-fb:${payloadType} transport-cc`);
}

/**
 * Offer the publication's codec under the SFU's payload type for it, with the publisher's format
 * parameters (an H.264 profile, for one): the subscriber decodes exactly what the publisher sends.
 * libdatachannel adds the feedback every video gets (nack, nack pli, goog-remb).
 */
function offerVideoCodec(video: Video, codec: VideoCodec, formatParameters: string): void {
  const name = { vp8: 'VP8', vp9: 'VP9', h264: 'H264', av1: 'AV1' }[codec.name];
  if (formatParameters === '') video.addVideoCodec(codec.payloadType, name);
  else video.addVideoCodec(codec.payloadType, name, formatParameters);
}

/**
 * Offer RFC 4588 retransmissions on a video m-line: the RTX payload type paired with the codec
 * (`apt`), and the RTX SSRC (with the video's cname) grouped with the video's (`a=ssrc-group:FID media rtx`).
 */
function offerRtx(video: Video, codec: VideoCodec, ssrc: number, rtxSsrc: number, cname: string): void {
  video.addRTXCodec(codec.rtxPayloadType, codec.payloadType, 90000);
  // cname only: a second `a=msid` line for the same track would repeat the media one.
  video.addSSRC(rtxSsrc, cname);
  video.parseSdpLine(`a=ssrc-group:FID ${ssrc} ${rtxSsrc}`);
}

/**
 * A padding-only RTP packet for probes: VP8's payload type, the transport-wide sequence number
 * extension (value at bytes 17–18), PADDING_BYTES of padding (RFC 3550: the last byte counts them).
 */
function paddingPacket(payloadType: number): Buffer {
  const packet = Buffer.alloc(12 + 8 + PADDING_BYTES);
  packet[0] = 0x80 | 0x20 | 0x10; // V=2, padding, extension
  packet[1] = payloadType;
  packet[12] = 0xbe;
  packet[13] = 0xde;
  packet[15] = 1; // one word of extensions
  packet[16] = (SUBSCRIBER_TRANSPORT_CC_ID << 4) | 1;
  packet[packet.length - 1] = PADDING_BYTES;
  return packet;
}

/** Resent sequence numbers remembered per subscription (a power of two: about 3 s of 720p video). */
const RESENT_MEMORY = 512;

/**
 * msid stream id: a participant's microphone and camera form one stream (the browser lip-syncs them),
 * its screen share and screen audio another. Restricted to the characters msid allows.
 */
function streamId(participantId: string, part: string): string {
  const group =
    part === 'screen' || part === 'screen-audio' ? 'screen' : part === 'cname' ? 'cname' : 'camera';
  return `${participantId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${group}`;
}
