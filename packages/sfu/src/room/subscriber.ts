import ndc, { type DataChannel, type PeerConnection } from 'node-datachannel';
import { MediaError } from '../api/media-error.js';
import { keepsStore } from '../api/memory.js';
import type { SubscribedTrack, VideoReceptionMode } from '../api/types.js';
import type { Publication } from '../forwarding/publication.js';
import { Subscription } from '../forwarding/subscription.js';
import { MediaSectionSlots } from '../transport/media-section-slots.js';
import { retainUntilClosed } from '../transport/native-handles.js';
import {
  describeMedia,
  feedbackByMid,
  MAX_MEDIA_SECTIONS,
  normalizeBrowserAnswer,
} from '../transport/sdp.js';
import { announceHostCandidate, withoutCandidates } from '../transport/sdp-candidates.js';
import { type ProbeCarrier, SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import { DownlinkShares } from './downlink-shares.js';
import {
  estimatesSubscribers,
  guarded,
  type MediaContext,
  peerConnectionConfig,
  randomSsrc,
} from './media-context.js';
import { ProbePacer } from './probe-pacer.js';
import { nativeReason } from './publisher.js';
import type { CancelTimer } from './timers.js';

keepsStore('connection-addresses');

export interface SubscriberListener {
  /** Send this offer to the browser; its answer comes back through answer(). */
  offer(sdp: string, tracks: SubscribedTrack[]): void;
  /** The subscribe connection failed or closed without close() being called. */
  connectionClosed(): void;
  /** A video forwarded to this subscriber paused for its bandwidth, or resumed (pause-reasons.ts). */
  bandwidthPause(publication: Publication, paused: boolean): void;
}

/**
 * A participant's subscribe connection. The browser opens it with an offer holding only a data channel;
 * from then on the SFU offers: one SendOnly m-line per Subscription (a track of another participant).
 *
 * Negotiation is serialized: while an offer waits for its answer, further changes only mark the
 * connection dirty, and one new offer covering all of them follows the answer.
 */
export class Subscriber {
  private pc: PeerConnection | null = null;
  private readonly dataChannels: DataChannel[] = [];
  private readonly subscriptions = new Map<Publication, Subscription>();
  private readonly usedMids = new Set<string>();
  private readonly usedSsrcs = new Set<number>();
  /** The RTX SSRCs of the video subscriptions (a REMB lists them beside the videos' own). */
  private readonly repairSsrcs = new Set<number>();
  private readonly slots = new MediaSectionSlots();
  private nextMid = 1;
  /** An offer was sent and its answer has not arrived. */
  private awaitingAnswer = false;
  /** Subscriptions were added or removed since the last offer. */
  private dirty = false;
  private cancelScheduledOffer: CancelTimer | null = null;
  private closed = false;
  /** How much video this subscriber wants (low-data mode); applied to every video subscription. */
  private videoReception: VideoReceptionMode = 'full';
  /**
   * transport-cc towards this subscriber (null when the plane does not estimate subscribers'
   * bandwidth): numbering, estimate, probes; its estimate is shared out by applyEstimate().
   */
  readonly bandwidth: SubscriberBandwidth | null;
  private readonly shares = new DownlinkShares();
  private readonly pacer: ProbePacer | null;

  constructor(
    readonly participantId: string,
    private readonly context: MediaContext,
    private readonly listener: SubscriberListener,
  ) {
    this.bandwidth = estimatesSubscribers(context.options)
      ? new SubscriberBandwidth(performance.now(), () => this.applyEstimate(), context.counters)
      : null;
    this.pacer = this.bandwidth
      ? new ProbePacer(context.timers, this.bandwidth, () => this.probeCarrierNow())
      : null;
  }

  /**
   * Share the subscriber's estimate out (after each transport-cc feedback): audio first, at what it is
   * measured to cost, then an equal share for each video it receives (those last-N or its own choice
   * hold back take none; downlink-shares.ts). Each video picks its layer from its share
   * (LayerSelector.rankForEstimate). When some video wants a step its share does not cover, a probe is
   * asked for (SubscriberBandwidth.maybeProbe).
   */
  private applyEstimate(): void {
    const bandwidth = this.bandwidth;
    if (bandwidth === null || this.closed) return;
    const now = performance.now();
    const estimate = bandwidth.estimate;
    const proven = bandwidth.proven(now);
    const wanted = this.shares.apply(this.subscriptions, estimate, proven, now);
    bandwidth.probeCarrier = this.shares.probeCarrier;
    if (wanted > 0) {
      // `wanted` is counted from what the path is known to carry (the smaller of the two).
      const target = Math.min(estimate, proven) + wanted;
      const acked = bandwidth.estimator.ackedBitsPerSecond;
      if (bandwidth.maybeProbe(target, Number.isNaN(acked) ? estimate : acked, now)) this.pacer?.start();
    }
  }

  /** Where a probe's paced padding goes: a paused video's carrier, else a forwarded video's streams. */
  private probeCarrierNow(): ProbeCarrier | null {
    if (this.shares.probeCarrier) return this.shares.probeCarrier;
    for (const [publication, subscription] of this.subscriptions)
      if (publication.kind === 'video' && !subscription.isPaused && subscription.padding)
        return subscription.padding;
    return null;
  }

  get hasConnection(): boolean {
    return this.pc !== null;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Apply the browser's first offer (a data channel only) and return the answer. */
  connect(offerSdp: string): string {
    if (this.closed) throw new MediaError('closed', 'The participant has left.');
    if (this.pc) throw new MediaError('wrong-state', 'The subscribe connection is already set up.');
    const media = describeMedia(offerSdp, MAX_MEDIA_SECTIONS);
    if (!media.some((section) => section.kind === 'application' && !section.rejected)) {
      throw new MediaError('bad-sdp', 'The subscribe offer must contain a data channel (m=application).');
    }
    if (media.some((section) => section.kind !== 'application' && !section.rejected)) {
      throw new MediaError('bad-sdp', 'The subscribe offer must contain a data channel only.');
    }
    for (const section of media) this.usedMids.add(section.mid);

    const pc = new ndc.PeerConnection(
      `sub-${this.participantId}`,
      peerConnectionConfig(this.context.options, true),
    );
    const logger = this.context.logger;
    // Kept only to be closed with the connection; the SFU does not use the channel yet.
    pc.onDataChannel(
      guarded(logger, 'data channel', (channel: DataChannel) => {
        retainUntilClosed(channel, undefined, true);
        if (this.pc === pc) this.dataChannels.push(channel);
        else channel.close(); // arrived after the connection was closed
      }),
    );
    pc.onStateChange(
      guarded(logger, 'subscribe state', (state: string) => {
        logger.debug({ participantId: this.participantId, state }, 'media: subscribe connection state');
        if ((state === 'failed' || state === 'closed') && !this.closed && this.pc === pc) {
          // A failed connection is over: the control plane decides whether the participant rejoins.
          this.close();
          this.listener.connectionClosed();
        }
      }),
    );
    this.pc = pc;
    try {
      pc.setRemoteDescription(withoutCandidates(offerSdp), 'offer');
    } catch (error) {
      this.closeConnection();
      throw new MediaError('bad-sdp', `The subscribe offer was refused: ${nativeReason(error)}`);
    }
    if (pc.signalingState() !== 'have-remote-offer') {
      this.closeConnection();
      throw new MediaError('wrong-state', 'The subscribe connection cannot answer now.');
    }
    pc.setLocalDescription('answer');
    const answer = pc.signalingState() === 'stable' ? pc.localDescription()?.sdp : undefined;
    if (!answer) {
      this.closeConnection();
      throw new MediaError('wrong-state', 'The subscribe connection produced no answer.');
    }
    const { publicIp, rtcPort } = this.context.options;
    return announceHostCandidate(answer, publicIp, rtcPort);
  }

  /** Start forwarding a publication to this subscriber (offered with the next negotiation). */
  subscribe(publication: Publication): void {
    if (this.closed || this.subscriptions.has(publication)) return;
    const rtxSsrc =
      publication.kind === 'video' && this.context.options.subscriberRtx ? this.allocateSsrc() : 0;
    if (rtxSsrc !== 0) this.repairSsrcs.add(rtxSsrc);
    const subscription = new Subscription(
      publication,
      this.participantId,
      this.allocateMid(),
      this.allocateSsrc(),
      this.context,
      this.bandwidth,
      // Video is offered RTX (RFC 4588) on an SSRC of its own when the plane's options say so.
      rtxSsrc,
      this.repairSsrcs,
      (paused) => this.listener.bandwidthPause(publication, paused),
    );
    this.subscriptions.set(publication, subscription);
    this.applyVideoReception(subscription);
    publication.addSubscription(subscription);
    this.changed();
  }

  /**
   * Low-data mode, for all video this subscriber receives: `off` holds every video subscription (the
   * m-lines stay, so switching back needs no renegotiation, only a key frame); `low` caps simulcast at
   * the lowest layer; `full` lifts both. Audio is never affected.
   */
  setVideoReception(mode: VideoReceptionMode): void {
    if (this.closed || mode === this.videoReception) return;
    this.videoReception = mode;
    for (const subscription of this.subscriptions.values()) this.applyVideoReception(subscription);
  }

  private applyVideoReception(subscription: Subscription): void {
    if (subscription.publication.kind !== 'video') return;
    const mode = this.videoReception;
    subscription.setLayerCap(mode === 'low' ? 0 : Number.POSITIVE_INFINITY);
    subscription.setHeld(mode === 'off');
  }

  /** The subscription of a publication, if this subscriber receives it. */
  subscriptionOf(publication: Publication): Subscription | undefined {
    return this.subscriptions.get(publication);
  }

  /** Stop forwarding a publication; its m-line is removed with the next negotiation. */
  unsubscribe(publication: Publication): void {
    const subscription = this.subscriptions.get(publication);
    if (!subscription) return;
    this.subscriptions.delete(publication);
    this.usedSsrcs.delete(subscription.ssrc);
    this.usedSsrcs.delete(subscription.rtxSsrc);
    this.repairSsrcs.delete(subscription.rtxSsrc);
    const wasNegotiated = subscription.negotiated;
    publication.removeSubscription(subscription);
    subscription.close();
    // Never offered: nothing to take back from the browser.
    if (wasNegotiated) this.changed();
  }

  /** The browser's answer to the last offer. */
  answer(answerSdp: string): void {
    const pc = this.pc;
    if (this.closed || pc === null) throw new MediaError('closed', 'The subscribe connection is closed.');
    if (!this.awaitingAnswer || pc.signalingState() !== 'have-local-offer') {
      throw new MediaError('wrong-state', 'No subscriber offer is waiting for an answer.');
    }
    // The offer stays pending when the answer is refused: a corrected answer can still be applied.
    const answer = this.slots.toLibdatachannel(normalizeBrowserAnswer(withoutCandidates(answerSdp)));
    const answered = describeMedia(answerSdp);
    const feedback = feedbackByMid(answerSdp);
    try {
      pc.setRemoteDescription(answer, 'answer');
    } catch (error) {
      throw new MediaError('bad-sdp', `The subscriber answer was refused: ${nativeReason(error)}`);
    }
    // What the subscriber accepted of each m-line's formats (RTX: answers NACKs on the RTX stream).
    const formats = new Map(answered.map((section) => [section.mid, section]));
    for (const subscription of this.subscriptions.values()) {
      const section = formats.get(subscription.mid);
      if (section?.rejected) subscription.decline();
      if (!section || section.rejected) continue;
      subscription.media.acceptFormats(section.payloadTypes);
      subscription.media.acceptFeedback(feedback.get(subscription.mid) ?? []);
    }
    this.slots.answered();
    this.awaitingAnswer = false;
    if (this.dirty) this.scheduleOffer();
  }

  private changed(): void {
    this.dirty = true;
    if (!this.awaitingAnswer) this.scheduleOffer();
  }

  /**
   * Offer on the next turn of the event loop: the changes of one turn (e.g. a participant publishing
   * camera and microphone) become one offer, and the answer to the browser's own offer leaves first.
   */
  private scheduleOffer(): void {
    if (this.closed || this.pc === null || this.cancelScheduledOffer) return;
    this.cancelScheduledOffer = this.context.timers.soon(() => {
      this.cancelScheduledOffer = null;
      try {
        this.offer();
      } catch (error) {
        this.context.logger.error(
          { err: error, participantId: this.participantId },
          'media: subscriber offer failed',
        );
      }
    });
  }

  private offer(): void {
    const pc = this.pc;
    if (this.closed || pc === null || this.awaitingAnswer || !this.dirty) return;
    const state = pc.state();
    const signalingState = pc.signalingState();
    if (state === 'failed' || state === 'closed' || signalingState !== 'stable') {
      this.context.logger.debug(
        { participantId: this.participantId, state, signalingState },
        'media: subscriber cannot offer now',
      );
      return;
    }

    for (const subscription of this.subscriptions.values()) {
      if (!subscription.negotiated) subscription.attach(pc.addTrack(subscription.media.create()));
    }
    // Safe: the browser's application m-line is always in the description, so libdatachannel has
    // something to offer (with nothing it would throw, which node-datachannel does not catch here).
    pc.setLocalDescription('offer');
    // A connection closed underneath (its state callback not delivered yet) silently makes no offer.
    const sdp = pc.signalingState() === 'have-local-offer' ? pc.localDescription()?.sdp : undefined;
    if (!sdp) return;
    this.dirty = false;
    this.awaitingAnswer = true;
    const tracks = [...this.subscriptions.values()].map((subscription) => subscription.describe());
    this.context.logger.debug(
      { participantId: this.participantId, tracks: tracks.length },
      'media: subscriber offer',
    );
    const { publicIp, rtcPort } = this.context.options;
    this.listener.offer(announceHostCandidate(this.slots.toBrowser(sdp), publicIp, rtcPort), tracks);
  }

  private allocateMid(): string {
    while (this.usedMids.has(String(this.nextMid))) this.nextMid++;
    const mid = String(this.nextMid++);
    this.usedMids.add(mid);
    return mid;
  }

  private allocateSsrc(): number {
    let ssrc = randomSsrc();
    while (this.usedSsrcs.has(ssrc)) ssrc = randomSsrc();
    this.usedSsrcs.add(ssrc);
    return ssrc;
  }

  private closeConnection(): void {
    this.pacer?.stop();
    this.cancelScheduledOffer?.();
    this.cancelScheduledOffer = null;
    for (const [publication, subscription] of this.subscriptions) {
      publication.removeSubscription(subscription);
      subscription.close();
    }
    this.subscriptions.clear();
    for (const channel of this.dataChannels.splice(0)) {
      try {
        channel.close();
      } catch {
        // closed with the connection
      }
    }
    const pc = this.pc;
    this.pc = null;
    try {
      pc?.close();
    } catch {
      // already closed
    }
  }

  /** Stop every subscription and close the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeConnection();
  }
}
