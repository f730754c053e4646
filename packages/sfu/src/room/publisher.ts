import ndc, { type PeerConnection, type Track } from 'node-datachannel';
import { MediaError } from '../api/media-error.js';
import { keepsStore } from '../api/memory.js';
import { kindOfSource, type PublishedTrack } from '../api/types.js';
import { Publication } from '../forwarding/publication.js';
import { isRtcp } from '../rtp/rtp.js';
import { VIDEO_CODEC } from '../rtp/video-codec.js';
import { retainUntilClosed } from '../transport/native-handles.js';
import { receiveOnlyAnswer } from '../transport/publish-answer.js';
import { type PublishOfferMedia, restrictPublishOffer } from '../transport/publish-offer.js';
import { announceHostCandidate } from '../transport/sdp-candidates.js';
import { readTransportSequence, TransportArrivals } from '../transport/transport-cc.js';
import {
  estimatesSubscribers,
  guarded,
  type MediaContext,
  peerConnectionConfig,
  randomSsrc,
} from './media-context.js';

keepsStore('connection-addresses');

export interface PublisherListener {
  published(publication: Publication): void;
  unpublished(publication: Publication): void;
  /** The publish connection failed or closed without close() being called. */
  connectionClosed(): void;
}

/** One m-line of the publish connection: its libdatachannel track and what it currently carries. */
interface MidSlot {
  track: Track | null;
  publication: Publication | null;
}

/**
 * A participant's publish connection: the browser offers its tracks (first offer and renegotiations),
 * the SFU answers receive-only with Opus/VP8 only, and each listed track becomes a Publication.
 */
export class Publisher {
  private pc: PeerConnection | null = null;
  private readonly slots = new Map<string, MidSlot>();
  private readonly rtcpSenderSsrc = randomSsrc();
  private closed = false;
  /**
   * transport-cc (transport-cc.ts): the header extension's id when the browser numbers its packets for
   * it (0: it does not) and their arrivals, reported on the plane's feedback clock.
   */
  private transportCcExtensionId = 0;
  private arrivals: TransportArrivals | null = null;

  constructor(
    readonly participantId: string,
    private readonly context: MediaContext,
    private readonly listener: PublisherListener,
  ) {}

  get hasConnection(): boolean {
    return this.pc !== null;
  }

  publications(): Publication[] {
    const result: Publication[] = [];
    for (const slot of this.slots.values()) if (slot.publication) result.push(slot.publication);
    return result;
  }

  /**
   * Apply an offer of the publish connection and return the answer. `tracks` lists every track
   * published after this offer: tracks not listed any more are unpublished, new ones published, and a
   * mid that now carries another source is republished.
   */
  publish(offerSdp: string, tracks: readonly PublishedTrack[]): string {
    if (this.closed) throw new MediaError('closed', 'The participant has left.');
    const offer = restrictPublishOffer(offerSdp);
    const mediaByMid = new Map(offer.media.map((media) => [media.mid, media]));
    validateTracks(tracks, mediaByMid);

    const firstOffer = this.pc === null;
    const pc = this.pc ?? this.createConnection();
    try {
      pc.setRemoteDescription(offer.sdp, 'offer');
    } catch (error) {
      if (firstOffer) this.closeConnection();
      throw new MediaError('bad-sdp', `The publish offer was refused: ${nativeReason(error)}`);
    }
    // An m-line the browser stopped (port 0) must be removed in the answer too; libdatachannel does that
    // once the m-line's track is gone.
    for (const media of offer.media) {
      if (media.rejected) this.dropSlot(media.mid);
    }
    if (pc.signalingState() !== 'have-remote-offer') {
      throw new MediaError('wrong-state', 'The publish connection cannot answer now.');
    }
    pc.setLocalDescription('answer');
    // A connection closed underneath silently makes no answer.
    const answer = pc.signalingState() === 'stable' ? pc.localDescription()?.sdp : undefined;
    if (!answer) throw new MediaError('wrong-state', 'The publish connection produced no answer.');

    this.applyTracks(tracks, mediaByMid);
    // One numbering for the whole (bundled) connection: any m-line's id is the id.
    this.useTransportCc(
      offer.media.find((media) => media.transportCcExtensionId !== null)?.transportCcExtensionId ?? 0,
    );
    const { publicIp, rtcPort } = this.context.options;
    return announceHostCandidate(receiveOnlyAnswer(answer, offer.media, offer.sdp), publicIp, rtcPort);
  }

  private createConnection(): PeerConnection {
    const pc = new ndc.PeerConnection(
      `pub-${this.participantId}`,
      peerConnectionConfig(this.context.options, false),
    );
    const logger = this.context.logger;
    pc.onTrack(guarded(logger, 'publish track', (track: Track) => this.trackArrived(track)));
    pc.onStateChange(
      guarded(logger, 'publish state', (state: string) => {
        logger.debug({ participantId: this.participantId, state }, 'media: publish connection state');
        if ((state === 'failed' || state === 'closed') && !this.closed && this.pc === pc) {
          // A failed connection is over: the control plane decides whether the participant rejoins.
          this.close();
          this.listener.connectionClosed();
        }
      }),
    );
    this.pc = pc;
    return pc;
  }

  /** libdatachannel created the track of a new m-line of the offer (asynchronously, after the answer). */
  private trackArrived(track: Track): void {
    const mid = track.mid();
    if (this.closed) {
      retainUntilClosed(track).close(); // arrived after the participant left
      return;
    }
    const slot = this.slot(mid);
    slot.track?.close();
    slot.track = track;
    slot.publication?.attach(track);
    track.onMessage((packet: Buffer) => {
      try {
        // Every RTP packet counts for the browser's estimate, forwarded or not (padding, held audio).
        const arrivals = this.arrivals;
        if (arrivals !== null && !isRtcp(packet)) {
          const sequence = readTransportSequence(packet, this.transportCcExtensionId);
          if (sequence >= 0) arrivals.record(sequence, performance.now() * 1000);
        }
        slot.publication?.receive(packet);
      } catch (error) {
        this.context.logger.error({ err: error }, 'media: forwarding failed');
      }
    });
    retainUntilClosed(
      track,
      guarded(this.context.logger, 'publish track closed', () => {
        if (slot.track === track) {
          slot.track = null;
          slot.publication?.attach(null);
        }
      }),
    );
  }

  /** Report arrivals to the browser when its offer negotiates transport-cc (id > 0), else stop. */
  private useTransportCc(extensionId: number): void {
    // The publications rename this slot for the subscribers' numbers (Subscription.transmit).
    const forSubscribers = estimatesSubscribers(this.context.options) ? extensionId : 0;
    for (const publication of this.publications()) publication.transportCcExtensionId = forSubscribers;
    if (extensionId === this.transportCcExtensionId) return;
    this.transportCcExtensionId = extensionId;
    this.arrivals = extensionId > 0 ? new TransportArrivals() : null;
  }

  /**
   * Report the arrivals since the last feedback (the plane's clock calls this every
   * FEEDBACK_INTERVAL_MS). It goes out on any open track of the connection: RTCP shares the bundled
   * transport.
   */
  sendTransportFeedback(): void {
    const arrivals = this.arrivals;
    if (this.closed || arrivals === null) return;
    let track: Track | null = null;
    let mediaSsrc = 0;
    for (const slot of this.slots.values()) {
      if (slot.track?.isOpen()) {
        track = slot.track;
        mediaSsrc = slot.publication?.ssrc ?? 0;
        break;
      }
    }
    if (track === null) return; // nothing open yet: the arrivals wait for the next interval
    for (const message of arrivals.takeFeedback(this.rtcpSenderSsrc, mediaSsrc)) {
      try {
        track.sendMessageBinary(message);
      } catch {
        return; // closed meanwhile
      }
    }
  }

  private slot(mid: string): MidSlot {
    let slot = this.slots.get(mid);
    if (!slot) {
      slot = { track: null, publication: null };
      this.slots.set(mid, slot);
    }
    return slot;
  }

  private applyTracks(tracks: readonly PublishedTrack[], mediaByMid: Map<string, PublishOfferMedia>): void {
    const wanted = new Map(tracks.map((track) => [track.mid, track.source]));
    for (const slot of this.slots.values()) {
      const publication = slot.publication;
      // Another source on the m-line, or video in another codec (E2EE switched on: VP8): a new track
      // for subscribers, whose m-lines are offered in one codec.
      const media = mediaByMid.get(publication?.mid ?? '');
      const recoded =
        publication?.kind === 'video' && media?.codec != null && media.codec !== publication.codec.name;
      if (publication && (wanted.get(publication.mid) !== publication.source || recoded)) {
        slot.publication = null;
        this.unpublish(publication);
      }
    }
    for (const { mid, source } of tracks) {
      const media = mediaByMid.get(mid)!;
      const slot = this.slot(mid);
      if (slot.publication) {
        // Same track, renegotiated: follow a new SSRC if the browser changed it.
        if (media.ssrc !== null && media.layerRids.length === 0) slot.publication.ssrc = media.ssrc;
        if (media.payloadType !== null) slot.publication.payloadType = media.payloadType;
        slot.publication.audioLevelExtensionId = media.audioLevelExtensionId ?? 0;
        slot.publication.red.payloadType = media.redPayloadType ?? 0;
        applyLayers(slot.publication, media);
        continue;
      }
      const publication = new Publication(
        this.participantId,
        source,
        mid,
        media.ssrc,
        media.payloadType!, // listed tracks are on active m-lines, which have the codec (validated)
        this.rtcpSenderSsrc,
        this.context,
        VIDEO_CODEC[media.codec ?? 'vp8'],
      );
      publication.formatParameters = media.formatParameters;
      publication.audioLevelExtensionId = media.audioLevelExtensionId ?? 0;
      publication.red.payloadType = media.redPayloadType ?? 0;
      applyLayers(publication, media);
      publication.attach(slot.track);
      slot.publication = publication;
      this.listener.published(publication);
    }
  }

  private unpublish(publication: Publication): void {
    publication.close();
    this.listener.unpublished(publication);
  }

  private dropSlot(mid: string): void {
    const slot = this.slots.get(mid);
    if (!slot) return;
    this.slots.delete(mid);
    if (slot.publication) this.unpublish(slot.publication);
    slot.track?.close();
  }

  private closeConnection(): void {
    const pc = this.pc;
    this.pc = null;
    this.useTransportCc(0);
    for (const mid of [...this.slots.keys()]) this.dropSlot(mid);
    try {
      pc?.close();
    } catch {
      // already closed
    }
  }

  /** Unpublish every track and close the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeConnection();
  }
}

/**
 * Simulcast layers as the offer announces them (RIDs (Firefox), an SSRC group (Chromium) or none), and
 * the RTX streams that repair them.
 */
function applyLayers(publication: Publication, media: PublishOfferMedia): void {
  if (media.layerRids.length > 1 && media.ridExtensionId !== null) {
    publication.setRidLayers(media.layerRids, media.ridExtensionId, media.ssrcs);
  } else {
    publication.setRidLayers([], 0);
    publication.setLayers(media.layerSsrcs);
  }
  publication.setRetransmissions(media.rtxPayloadType, media.repairSsrcs, media.repairedRidExtensionId);
}

function validateTracks(tracks: readonly PublishedTrack[], mediaByMid: Map<string, PublishOfferMedia>): void {
  const mids = new Set<string>();
  const sources = new Set<string>();
  for (const { mid, source } of tracks) {
    if (mids.has(mid)) throw new MediaError('bad-sdp', `The track list names mid "${mid}" twice.`);
    if (sources.has(source))
      throw new MediaError('bad-sdp', `The track list names source "${source}" twice.`);
    mids.add(mid);
    sources.add(source);
    const media = mediaByMid.get(mid);
    if (!media) throw new MediaError('bad-sdp', `The offer has no audio/video m-line with mid "${mid}".`);
    if (media.rejected)
      throw new MediaError('bad-sdp', `The m-line "${mid}" of a published track is removed.`);
    if (media.kind !== kindOfSource(source)) {
      throw new MediaError('bad-sdp', `The m-line "${mid}" carries ${media.kind}, not ${source}.`);
    }
  }
}

/**
 * Why libdatachannel refused a description, in Parley's words for the client. Its own message names
 * internals (and may quote the description), so it is never passed on; the kind of failure is enough.
 */
export function nativeReason(_error: unknown): string {
  return 'the session description is malformed or asks for something this server does not offer.';
}
