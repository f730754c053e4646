// Privacy: keeps nothing personal (RTP state of one forwarded track; ids are pseudonymous).

import type { Track } from 'node-datachannel';
import type { SubscribedTrack } from '../api/types.js';
import { guarded, type MediaContext } from '../room/media-context.js';
import { OUTGOING_RED_PAYLOAD_TYPE } from '../rtp/red.js';
import { writeSequenceAndSsrc } from '../rtp/rtp.js';
import { SequenceRewriter } from '../rtp/sequence-rewriter.js';
import { LayerSelector } from '../simulcast/layer-selector.js';
import { SvcVerdict } from '../simulcast/svc-layers.js';
import type { SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import type { ForwardedPacket } from './forwarded-packet.js';
import { LayerContinuity } from './layer-continuity.js';
import { NackAnswers } from './nack-answers.js';
import { OutgoingTrack } from './outgoing-track.js';
import { type BandwidthPauseReport, PauseReasons } from './pause-reasons.js';
import { ProbePadding } from './probe-padding.js';
import {
  KEYFRAME_REQUEST_INTERVAL_MS,
  OUTGOING_PAYLOAD_TYPE,
  type PublicationView,
} from './publication-view.js';
import { SubscriberFeedback } from './subscriber-feedback.js';
import { NegotiatedMedia } from './subscription-media.js';
import { SvcForwarding } from './svc-forwarding.js';

/**
 * One publication forwarded to one subscriber (≈ mediasoup's Consumer): a SendOnly m-line on the
 * subscriber's connection with its own random SSRC. It rewrites the SSRC of each packet and answers
 * the subscriber's feedback (key frame requests go to the publisher, NACKs are answered from the
 * publication's cache). Layer choice is its LayerSelector's, header continuity its LayerContinuity's.
 */
export class Subscription {
  /** The m-line's track on the subscribe connection (transport-cc numbering, counters). */
  private readonly out: OutgoingTrack;
  private closed = false;
  /** Not forwarded now, for any of its PauseReasons. */
  private paused = false;
  private readonly pause: PauseReasons;
  /** Video: padding for the connection's bandwidth probes, on this video's streams (null: no estimate). */
  readonly padding: ProbePadding | null;
  /** Resumed video waits for a key frame: the receiver cannot decode what follows a gap before it. */
  private awaitingKeyframe = false;
  /** When this subscription last asked for the key frame it waits for (performance.now(), ms). */
  private keyframeAskedAt = Number.NEGATIVE_INFINITY;
  private readonly sequences = new SequenceRewriter();
  /** Simulcast layer forwarded now (-1: none yet) and the one wanted (switched to at its next key frame). */
  private currentLayer = -1;
  private targetLayer = 0;
  private readonly selector: LayerSelector;
  private readonly continuity = new LayerContinuity();
  /** VP9 SVC: which spatial/temporal layers this subscriber gets. */
  private readonly svc = new SvcForwarding();
  /** The subscriber's feedback, and its NACKs answered within the subscription's budget. */
  readonly nacks: NackAnswers;
  private readonly feedback: SubscriberFeedback;
  /** Its m-line: offered, and what the subscriber's answer kept (RTX, RED, audio NACK). */
  readonly media: NegotiatedMedia;

  constructor(
    readonly publication: PublicationView,
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
    repairSsrcs: ReadonlySet<number> = new Set(),
    /** Told when this video pauses for the subscriber's bandwidth and resumes (pause-reasons.ts). */
    bandwidthPause: BandwidthPauseReport = () => {},
  ) {
    this.pause = new PauseReasons(bandwidthPause);
    this.out = new OutgoingTrack(publication.forwarded, bandwidth, context.counters);
    this.nacks = new NackAnswers(publication, context.counters, context.options.retransmitPercent);
    this.feedback = new SubscriberFeedback(this, publication, context.counters, bandwidth, repairSsrcs);
    this.selector = new LayerSelector(publication.simulcast);
    this.media = new NegotiatedMedia(publication, mid, ssrc, rtxSsrc, bandwidth !== null);
    const { out, sequences, media } = this;
    this.padding =
      bandwidth && publication.kind === 'video'
        ? new ProbePadding(out, bandwidth, ssrc, publication, sequences, media.rtx)
        : null;
    // Simulcast: the best layer being sent, until the subscriber says how large it shows the video.
    this.chooseLayer();
  }

  /** True once the m-line has been added to the subscribe connection (it is in an offer). */
  get negotiated(): boolean {
    return this.out.attached;
  }

  /** Bind to the libdatachannel track created from media.create(). */
  attach(track: Track): void {
    this.out.attach(track);
    const logger = this.context.logger;
    // Video shows up at once only if the publisher sends a key frame now.
    track.onOpen(guarded(logger, 'subscription open', () => this.publication.requestKeyframe()));
    track.onMessage(
      guarded(logger, 'subscriber feedback', (message: Buffer) => {
        if (!this.closed) this.feedback.receive(message);
      }),
    );
  }

  /**
   * Forward the packet the publication is fanning out (payload type already rewritten). Rewrites
   * sequence number, SSRC and, for simulcast, timestamp and VP8 picture id / TL0PICIDX, in place.
   */
  send(forwarded: ForwardedPacket): boolean {
    if (this.paused) return false;
    if (forwarded.late) return this.sendLate(forwarded);
    const layer = forwarded.layer;
    if (layer !== this.currentLayer) {
      // Switch (or start) only at a key frame of the wanted layer: the decoder needs one.
      if (layer !== this.targetLayer || (this.currentLayer >= 0 && !forwarded.keyframe)) return false;
      this.switchLayer(forwarded.timestamp, layer);
    } else if (this.awaitingKeyframe) {
      if (!forwarded.keyframe) return this.stillAwaitingKeyframe();
      this.awaitingKeyframe = false;
    }
    const packet = forwarded.buffer;
    // VP9 SVC: leave out the layers above this subscriber's (and what cannot be read); the last one
    // kept ends the picture. The sequence numbers the subscriber sees close over what is left out.
    let unmarked = -1;
    const verdict = this.svc.select(forwarded, this.publication.svcHeights);
    if (verdict === SvcVerdict.Drop) {
      this.sequences.skip();
      return false;
    }
    if (verdict === SvcVerdict.ForwardEndOfPicture && (packet[1]! & 0x80) === 0) {
      unmarked = packet[1]!;
      packet[1] = unmarked | 0x80;
    }
    // From the publisher's values read once: the packet is shared, and the subscriptions before this
    // one have written theirs into it.
    if (this.publication.layerCount > 1) this.continuity.rewriteForwarded(forwarded);
    // RED to a subscriber without it: the primary block alone, as plain Opus (built once per packet).
    const red = this.publication.red;
    const outgoing =
      red.current && !this.media.sendsRed ? red.plainPacket(OUTGOING_PAYLOAD_TYPE.audio) : packet;
    const sent = outgoing !== null && this.transmit(outgoing, this.sequences.rewrite(forwarded.sequence));
    // The packet is shared: the next subscription gets the publisher's marker bit.
    if (unmarked >= 0) packet[1] = unmarked;
    if (!sent) return false;
    this.nacks.budget.earn(outgoing.length);
    // A bandwidth probe runs on this connection: the padding it owes, right after a media packet.
    const bandwidth = this.bandwidth;
    if (bandwidth?.probing) (bandwidth.probeCarrier ?? this.padding)?.send(packet.readUInt32BE(4));
    return true;
  }

  /**
   * A packet older than ones already forwarded (the publisher's retransmission after the SFU's NACK, or
   * reordered): sent under the number the subscriber expects for it, which may answer its own pending
   * NACK. Never starts a layer or ends a wait for a key frame (the rest of that frame went by), and is
   * not sent when it belongs before the last switch or pause.
   */
  private sendLate(forwarded: ForwardedPacket): boolean {
    if (forwarded.layer !== this.currentLayer || this.awaitingKeyframe) return false;
    if (!this.svc.allowsLate(forwarded, this.publication.svcHeights)) return false;
    const outgoing = this.sequences.late(forwarded.sequence);
    if (outgoing < 0) return false;
    const packet = forwarded.buffer;
    // The shared packet: the publisher's values as the publication read them (see send()).
    if (this.publication.layerCount > 1) this.continuity.rewriteForwarded(forwarded, true);
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

  private switchLayer(timestamp: number, layer: number): void {
    if (this.currentLayer >= 0) {
      this.sequences.skip();
      this.continuity.switchTo(timestamp);
    }
    this.currentLayer = layer;
    this.awaitingKeyframe = false;
    this.selector.switched(performance.now());
  }

  /** The simulcast layer this subscriber receives (0 without simulcast). */
  get layer(): number {
    return Math.max(0, this.currentLayer);
  }

  /** The publication's sequence number of a packet the subscriber knows as `outgoingSequence`. */
  originalSequence(outgoingSequence: number): number {
    return this.sequences.original(outgoingSequence);
  }

  /** The subscriber's RTP timestamp for a publisher timestamp of the current layer. */
  outgoingTimestamp(timestamp: number): number {
    return this.continuity.outgoingTimestamp(timestamp);
  }

  /** Simulcast: the size (device pixels) at which the subscriber shows this video; 0 × 0 when hidden. */
  setDisplaySize(height: number): void {
    this.selector.setDisplaySize(height, this.publication.layerCount);
    this.svc.setDisplayHeight(height);
    this.retargetSvc();
    this.chooseLayer();
  }

  /** Simulcast: the highest layer rank the subscriber accepts, whatever its size (data saver); ∞: none. */
  setLayerCap(rank: number): void {
    if (!this.selector.setCap(rank)) return;
    this.svc.setCap(rank);
    this.retargetSvc();
    this.chooseLayer();
  }

  /** VP9 SVC: aim at the display size and cap; climbing needs a key picture, asked for here. */
  private retargetSvc(): void {
    this.svc.target(this.publication.svcHeights);
    this.askForSvcKeyframe();
  }

  /** VP9 SVC: a key picture is due while a larger spatial layer is wanted than forwarded. */
  private askForSvcKeyframe(): void {
    if (this.svc.keyframeDue && !this.paused) this.publication.requestKeyframe();
  }

  /** Simulcast: the share of the subscriber's bandwidth estimate (REMB) this video may use, bits/s. */
  setBandwidthBudget(bitsPerSecond: number): void {
    this.selector.setBandwidthBudget(bitsPerSecond, performance.now());
    this.chooseLayer();
  }

  /** Its share of the transport-cc estimate (NaN: REMB rules) and of what the path carried (a step up's proof). */
  setEstimatedBudget(bitsPerSecond: number, provenBitsPerSecond = Number.POSITIVE_INFINITY): void {
    this.selector.setEstimatedBudget(bitsPerSecond, provenBitsPerSecond);
    if (this.publication.kind === 'video') this.chooseLayer();
  }

  /**
   * Pick the layer to forward (simulcast/layer-selector.ts). A change takes effect at that layer's
   * next key frame (asked for again on every call while the switch is pending: the room's clock calls
   * this every few hundred ms).
   */
  chooseLayer(): void {
    this.askForSvcKeyframe();
    const now = performance.now();
    const selector = this.selector;
    const fresh = this.bandwidth?.active(now) ?? false;
    const layer = selector.choose(this.publication.layerCount, this.currentLayer, fresh, now);
    if (selector.pausedForBandwidth !== this.pause.bandwidth) {
      const { subscriberId, mid, pause } = this;
      pause.bandwidth = selector.pausedForBandwidth;
      this.context.logger.debug({ subscriberId, mid, paused: pause.bandwidth }, 'media: bandwidth pause');
      this.applyPause();
    }
    // Switch at the layer's next key frame (asked for now; a paused subscription asks when it resumes).
    this.targetLayer = layer;
    if (layer !== this.currentLayer && this.currentLayer >= 0 && !this.paused)
      this.publication.requestKeyframe();
  }

  /** Simulcast: the layer rank it would take if every layer arrived (-1: it takes no video now). */
  get neededRank(): number {
    return this.closed || this.pause.withheld ? -1 : this.selector.neededRank;
  }

  /** Bits/s more than its budget this video needs for the next step it wants (layer-selector.ts). */
  wantedExtra(): number {
    if (this.publication.kind !== 'video' || this.pause.lastN || this.pause.held) return 0;
    return this.selector.wantedExtra(this.publication.layerCount, this.currentLayer);
  }

  /** Forwarded now, for the subscriber's share of its estimate: not held by last-N or its own choice. */
  get sharesBandwidth(): boolean {
    return !this.pause.lastN && !this.pause.held && !this.closed;
  }

  /**
   * Send a cached packet again under the sequence number (and RTP clock) the subscriber knows it by:
   * on the RTX stream when the subscriber accepted RTX, else on the media SSRC.
   */
  resend(packet: Buffer, outgoingSequence: number): boolean {
    if (this.paused) return false;
    // VP9 SVC: the cached packet has the publisher's marker bit (svc-forwarding.ts).
    if (this.publication.svcHeights.length > 1) this.svc.markResent(packet);
    if (this.publication.layerCount > 1) this.continuity.rewriteCached(packet, this.publication.codec);
    if (this.media.rtx.accepted) return this.transmitRetransmission(packet, outgoingSequence);
    if ((packet[1]! & 0x7f) === OUTGOING_RED_PAYLOAD_TYPE && !this.media.sendsRed)
      return this.resendPrimary(packet, outgoingSequence);
    return this.transmit(packet, outgoingSequence);
  }

  /** A cached RED packet to a subscriber without RED: its primary block as plain Opus. */
  private resendPrimary(packet: Buffer, outgoingSequence: number): boolean {
    const plain = this.media.plainPrimary(packet);
    return plain !== null && this.transmit(plain, outgoingSequence);
  }

  /** A retransmission as RTX (rtx-stream.ts): the subscriber's header first, then its RTX form. */
  private transmitRetransmission(packet: Buffer, outgoingSequence: number): boolean {
    if (!this.out.attached) return false;
    writeSequenceAndSsrc(packet, outgoingSequence, this.ssrc);
    const rtx = this.media.rtx.wrap(packet);
    if (rtx === null || !this.out.deliver(rtx)) return false;
    this.media.rtx.advance();
    return true;
  }

  /** The subscriber's answer rejected this m-line: forward nothing to it (its browser would drop it). */
  decline(): void {
    this.pause.declined = true;
    this.applyPause();
  }

  /** Stop or resume forwarding for last-N. */
  setPaused(paused: boolean): void {
    this.pause.lastN = paused;
    this.applyPause();
  }

  /** Stop or resume forwarding because the subscriber asked for no video (audio-only). */
  setHeld(held: boolean): void {
    this.pause.held = held;
    this.applyPause();
  }

  /**
   * Forward only when none of its PauseReasons holds the track back, and tell the subscriber of a
   * pause for bandwidth. Video resumes at a key frame, which is asked for at once (throttled per track).
   */
  private applyPause(): void {
    if (this.closed) return;
    this.pause.reportChange();
    const paused = this.pause.any;
    if (paused === this.paused) return;
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

  /** The last step of every packet to this subscriber (the hostile-SFU tests patch it). */
  private transmit(packet: Buffer, sequence: number): boolean {
    if (!this.out.attached) return false;
    writeSequenceAndSsrc(packet, sequence, this.ssrc);
    return this.out.deliver(packet);
  }

  /** Send an RTCP packet the SFU built for this subscriber. */
  sendControl(packet: Buffer): void {
    this.out.sendControl(packet);
  }

  describe(): SubscribedTrack {
    const { participantId, source, kind, codec } = this.publication;
    return { mid: this.mid, participantId, source, kind, ...(kind === 'video' && { codec: codec.name }) };
  }

  /** The subscriber NACKed these numbers: answered from the publication's cache (nack-answers.ts). */
  nacked(lost: readonly number[]): void {
    this.selector.nacksReceived(lost.length);
    this.nacks.answer(lost, this);
  }

  /**
   * Stop forwarding and close the m-line's track (the next offer removes the m-line). The subscriber
   * takes it off its publication (Publication.removeSubscription).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pause.ended();
    this.out.close();
  }
}
