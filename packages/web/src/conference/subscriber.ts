import type { EventOf, ParticipantId, SubscribedTrack, TrackSource, VideoCodec } from '@parley/protocol';
import type { SignalingClient } from './signaling';
import { type ParticipantTracks, routeTracks, sameRouting } from './track-routing';

export type RemoteTracks = ReadonlyMap<ParticipantId, ParticipantTracks<MediaStreamTrack>>;
/** Per participant, the video sources this browser cannot decode and the codec they come in. */
export type UnplayableVideo = ReadonlyMap<ParticipantId, ParticipantTracks<VideoCodec>>;

/**
 * The video codecs this browser decodes (RTCRtpReceiver capabilities); null where it cannot say,
 * then every codec counts as playable (the browser's answer still rejects what it cannot decode).
 */
function decodableCodecs(): Set<string> | null {
  const capabilities = globalThis.RTCRtpReceiver?.getCapabilities?.('video');
  if (!capabilities) return null;
  return new Set(capabilities.codecs.map((codec) => codec.mimeType.toLowerCase()));
}

/** The offered video tracks in a codec this browser cannot decode, by participant and source. */
export function unplayableVideo(
  tracks: readonly SubscribedTrack[],
  decodable: ReadonlySet<string> | null = decodableCodecs(),
): UnplayableVideo {
  const result = new Map<ParticipantId, ParticipantTracks<VideoCodec>>();
  if (decodable === null) return result;
  for (const track of tracks) {
    const codec = track.codec ?? 'vp8';
    if (track.kind !== 'video' || decodable.has(`video/${codec}`)) continue;
    result.set(track.participantId, { ...result.get(track.participantId), [track.source]: codec });
  }
  return result;
}

export interface SubscriberEvents {
  /** The received tracks changed (a track arrived, moved to another participant or went away). */
  onTracks(tracks: RemoteTracks): void;
  /** The media connection failed for good (ICE or DTLS). */
  onFailed(): void;
  /** With each offer: the others' video this browser cannot decode (an empty map when none). */
  onUnplayable?(unplayable: UnplayableVideo): void;
  /** Called as soon as a receiver exists (end-to-end encryption attaches its frame transform). */
  attachReceiver?(receiver: RTCRtpReceiver): void;
  /** Whose source a receiver carries now, or null (E2EE checks each frame came from that participant). */
  receiverRouted?(
    receiver: RTCRtpReceiver,
    owner: { participantId: ParticipantId; source: TrackSource } | null,
  ): void;
}

/**
 * The subscribe connection: receives every other participant's tracks. The browser opens it with a
 * data-channel-only offer (so the server can answer without glare); from then on the server offers
 * and the browser answers, one offer at a time in arrival order.
 */
export class Subscriber {
  private readonly pc: RTCPeerConnection;
  /** Serializes negotiations: the first subscribe, then each server offer in order. */
  private queue: Promise<void> = Promise.resolve();
  private trackList: readonly SubscribedTrack[] = [];
  private routes: RemoteTracks = new Map();
  private closed = false;
  private offer: Promise<RTCSessionDescriptionInit> | null = null;

  constructor(
    private readonly signaling: SignalingClient,
    config: RTCConfiguration,
    private readonly events: SubscriberEvents,
  ) {
    this.pc = new RTCPeerConnection(config);
    this.pc.addEventListener('track', (event) => {
      this.events.attachReceiver?.(event.receiver);
      this.updateRoutes();
    });
    this.pc.addEventListener('connectionstatechange', () => {
      if (this.pc.connectionState === 'failed' && !this.closed) this.events.onFailed();
    });
  }

  /**
   * Creates the first offer ahead of time (e.g. while the server decides whether we may join), so
   * `start` only has to apply and send it.
   */
  prepare(): void {
    if (this.offer) return;
    // The data channel gives the first offer something to negotiate; media m-lines come from the server.
    this.pc.createDataChannel('parley');
    this.offer = this.pc.createOffer();
    this.offer.catch(() => undefined);
  }

  /** The receiving connection's statistics (for each tile's connection-quality sign). */
  stats(): Promise<RTCStatsReport> {
    return this.pc.getStats();
  }

  /**
   * Starts the connection with the ICE servers (and transport policy) the server handed out. Does not
   * wait for ICE gathering: the server learns our address from the ICE checks. Gathering starts with
   * setLocalDescription, so configuring here still applies to every candidate.
   */
  start(iceServers: RTCIceServer[] = [], iceTransportPolicy: RTCIceTransportPolicy = 'all'): Promise<void> {
    return this.enqueue(async () => {
      if (iceServers.length > 0 || iceTransportPolicy !== 'all')
        this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers, iceTransportPolicy });
      this.prepare();
      const offer = await (this.offer as Promise<RTCSessionDescriptionInit>);
      await this.pc.setLocalDescription(offer);
      const { sdp } = await this.signaling.request('subscribe', { sdp: offer.sdp ?? '' });
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
    });
  }

  /** Answers a server offer; offers are applied strictly in the order they arrive. */
  handleOffer(event: EventOf<'subscriber-offer'>): Promise<void> {
    return this.enqueue(async () => {
      // Set the list first: `track` events fire during setRemoteDescription and route by this list.
      this.trackList = event.tracks;
      this.events.onUnplayable?.(unplayableVideo(event.tracks));
      await this.pc.setRemoteDescription({ type: 'offer', sdp: event.sdp });
      this.updateRoutes();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      await this.signaling.request('subscriber-answer', { sdp: answer.sdp ?? '' });
      this.updateRoutes();
    });
  }

  close(): void {
    this.closed = true;
    this.pc.close();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => (this.closed ? undefined : step()));
    // A failed step must not block the next offer; the caller still sees the failure.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private updateRoutes(): void {
    if (this.closed) return;
    const live = this.pc
      .getTransceivers()
      .filter((transceiver) => transceiver.direction !== 'stopped' && transceiver.direction !== 'inactive');
    if (this.events.receiverRouted) {
      const byMid = new Map(this.trackList.map((entry) => [entry.mid, entry]));
      for (const transceiver of this.pc.getTransceivers()) {
        const entry =
          transceiver.mid === null || !live.includes(transceiver) ? undefined : byMid.get(transceiver.mid);
        this.events.receiverRouted(
          transceiver.receiver,
          entry ? { participantId: entry.participantId, source: entry.source } : null,
        );
      }
    }
    const receivers = live.map((transceiver) => ({
      mid: transceiver.mid,
      track: transceiver.receiver.track,
    }));
    const next = routeTracks(this.trackList, receivers);
    if (sameRouting(this.routes, next)) return;
    this.routes = next;
    this.events.onTracks(next);
  }
}
