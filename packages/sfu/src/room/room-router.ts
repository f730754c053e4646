import { MediaError } from '../api/media-error.js';
import type { SpeakerState } from '../api/media-plane.js';
import { keepsStore } from '../api/memory.js';
import type { PublishedTrack, SubscribedTrack, TrackSource, VideoReceptionMode } from '../api/types.js';
import type { Publication } from '../forwarding/publication.js';
import type { MediaContext } from './media-context.js';
import { Peer } from './peer.js';
import { Publisher } from './publisher.js';
import { SpeakerDetector } from './speaker-detector.js';
import { Subscriber } from './subscriber.js';

keepsStore('connection-addresses');

export interface RoomListener {
  subscriberOffer(participantId: string, sdp: string, tracks: SubscribedTrack[]): void;
  connectionClosed(participantId: string, direction: 'publish' | 'subscribe'): void;
  activeSpeakers(participantIds: string[]): void;
  /** `subscriberId`'s copy of a video paused for its bandwidth, or resumed. */
  bandwidthPause(subscriberId: string, participantId: string, source: TrackSource, paused: boolean): void;
  /** The simulcast layers `participantId` should send of its video `source` changed (layer-demand.ts). */
  simulcastLayers(participantId: string, source: TrackSource, active: boolean[]): void;
}

/** Microphones forwarded when the plane's options do not say. */
export const DEFAULT_AUDIBLE_SPEAKERS = 3;

/**
 * Who receives what in one room: every participant's subscriber gets every publication of every
 * other participant, from the moment both exist until either goes away.
 */
export class RoomRouter {
  private readonly participants = new Map<string, Peer>();
  private readonly speakers: SpeakerDetector;
  private closed = false;

  constructor(
    readonly roomId: string,
    private readonly context: MediaContext,
    private readonly listener: RoomListener,
  ) {
    this.speakers = new SpeakerDetector(context.options.audibleSpeakers ?? DEFAULT_AUDIBLE_SPEAKERS);
  }

  /** Once per transport feedback interval (the plane's clock): report arrivals to every publisher. */
  sendTransportFeedback(): void {
    if (this.closed) return;
    for (const participant of this.participants.values()) participant.publisher?.sendTransportFeedback();
  }

  /**
   * Once per speaker interval (the plane's clock): rank the speakers, tell the control plane when the
   * list changed, and apply the ranking: only the loudest microphones are forwarded, and each
   * subscriber gets the cameras of its N most recent speakers (last-N).
   */
  updateSpeakers(intervalSeconds: number): void {
    if (this.closed) return;
    if (this.speakers.update()) this.listener.activeSpeakers(this.speakers.ranking().speaking);
    const { audible, recent } = this.speakers.ranking();
    const lastN = this.context.options.lastN ?? 0;
    const now = performance.now();
    const rank = new Map(recent.map((id, index) => [id, index]));
    for (const participant of this.participants.values()) {
      for (const publication of participant.publisher?.publications() ?? []) {
        if (publication.source === 'mic') publication.audible = audible.has(participant.id);
        publication.sendReceiverFeedback();
        if (publication.kind === 'video' && publication.layerCount > 1) {
          // Simulcast: the layers' bitrates just measured may move a subscriber up or down.
          publication.measureLayers(intervalSeconds);
          for (const subscription of publication.subscriptions) subscription.chooseLayer();
          if (this.context.options.pauseUnusedLayers) this.demandLayers(publication, now);
        }
        if (publication.source !== 'camera') continue;
        const publisherRank = rank.get(participant.id) ?? recent.length;
        for (const subscription of publication.subscriptions) {
          if (lastN <= 0) {
            subscription.setPaused(false);
            continue;
          }
          // The subscriber's own place does not count: it never receives itself.
          const selfRank = rank.get(subscription.subscriberId) ?? Number.POSITIVE_INFINITY;
          const place = publisherRank - (selfRank < publisherRank ? 1 : 0);
          subscription.setPaused(place >= lastN);
        }
      }
    }
  }

  /**
   * Ask the publisher to send only the simulcast layers its subscribers take (after their choices of
   * this tick), and tell it only when that changes.
   */
  private demandLayers(publication: Publication, now: number): void {
    const ranks = publication.subscriptions.map((subscription) => subscription.neededRank);
    const { demand, simulcast, layerCount, participantId, source } = publication;
    if (!demand.update(ranks, simulcast, layerCount, now)) return;
    const active = demand.flags(layerCount);
    this.context.logger.info({ participantId, source, active }, 'media: simulcast layers asked for');
    this.listener.simulcastLayers(participantId, source, active);
  }

  get participantCount(): number {
    return this.participants.size;
  }

  has(participantId: string): boolean {
    return this.participants.has(participantId);
  }

  add(participantId: string): void {
    if (this.closed || this.participants.has(participantId)) return;
    this.participants.set(participantId, new Peer(participantId));
    // Everyone has a place in the recency order (last-N) from the start, in order of arrival.
    this.speakers.activity(participantId);
  }

  remove(participantId: string): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    this.participants.delete(participantId);
    this.speakers.remove(participantId);
    participant.close();
  }

  publish(participantId: string, offerSdp: string, tracks: readonly PublishedTrack[]): string {
    const participant = this.participant(participantId);
    participant.publisher ??= new Publisher(participantId, this.context, {
      published: (publication) => this.published(publication),
      unpublished: (publication) => this.unpublished(publication),
      connectionClosed: () => this.listener.connectionClosed(participantId, 'publish'),
    });
    return participant.publisher.publish(offerSdp, tracks);
  }

  subscribe(participantId: string, offerSdp: string): string {
    const participant = this.participant(participantId);
    if (participant.subscriber) throw new MediaError('wrong-state', 'The participant is already subscribed.');
    const subscriber = new Subscriber(participantId, this.context, {
      offer: (sdp, tracks) => this.listener.subscriberOffer(participantId, sdp, tracks),
      connectionClosed: () => this.listener.connectionClosed(participantId, 'subscribe'),
      bandwidthPause: (publication, paused) =>
        this.listener.bandwidthPause(participantId, publication.participantId, publication.source, paused),
    });
    const answer = subscriber.connect(offerSdp);
    participant.subscriber = subscriber;
    subscriber.setVideoReception(participant.videoReception);
    for (const other of this.participants.values()) {
      if (other === participant || !other.publisher) continue;
      for (const publication of other.publisher.publications()) subscriber.subscribe(publication);
    }
    return answer;
  }

  subscriberAnswer(participantId: string, answerSdp: string): void {
    const subscriber = this.participant(participantId).subscriber;
    if (!subscriber) throw new MediaError('wrong-state', 'The participant has no subscribe connection.');
    subscriber.answer(answerSdp);
  }

  /** The size at which `subscriberId` shows `participantId`'s video `source` (simulcast layer choice). */
  setVideoSize(subscriberId: string, participantId: string, source: string, height: number): void {
    const subscriber = this.participants.get(subscriberId)?.subscriber;
    const publication = this.participants
      .get(participantId)
      ?.publisher?.publications()
      .find((p) => p.source === source);
    if (!subscriber || !publication) return;
    subscriber.subscriptionOf(publication)?.setDisplaySize(height);
  }

  /** How much of the others' video `participantId` receives (low-data mode; see Subscriber). */
  setVideoReception(participantId: string, mode: VideoReceptionMode): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    participant.videoReception = mode;
    participant.subscriber?.setVideoReception(mode);
  }

  /** Ask every video publisher of the room for a key frame (throttled per track as usual). */
  requestKeyframes(): void {
    for (const participant of this.participants.values()) {
      for (const publication of participant.publisher?.publications() ?? []) publication.requestKeyframe();
    }
  }

  /**
   * Hold (or release) the participant's audio: held, it is forwarded to nobody: the microphone and any other
   * audio track (screen audio), so that a held microphone republished under another label stays held.
   */
  setAudioHeld(participantId: string, held: boolean): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    participant.audioHeld = held;
    // A held microphone never ranks among the loudest (it would take a slot while silent to everyone).
    this.speakers.activity(participantId).held = held;
    for (const publication of participant.publisher?.publications() ?? []) {
      if (publication.kind === 'audio') publication.held = held;
    }
  }

  /**
   * What the control plane knows of a participant's microphone that the audio levels cannot say: its
   * owner muted it (it never ranks), they moderate the meeting (a slot is kept for them).
   */
  setSpeakerState(participantId: string, state: SpeakerState): void {
    if (!this.participants.has(participantId)) return;
    const activity = this.speakers.activity(participantId);
    activity.muted = state.muted;
    activity.moderator = state.moderator;
  }

  private published(publication: Publication): void {
    if (publication.kind === 'audio' && this.participants.get(publication.participantId)?.audioHeld) {
      publication.held = true;
    }
    if (publication.source === 'mic') {
      publication.speakerActivity = this.speakers.activity(publication.participantId);
    }
    for (const participant of this.participants.values()) {
      if (participant.id !== publication.participantId) participant.subscriber?.subscribe(publication);
    }
  }

  private unpublished(publication: Publication): void {
    for (const participant of this.participants.values()) participant.subscriber?.unsubscribe(publication);
  }

  private participant(participantId: string): Peer {
    const participant = this.participants.get(participantId);
    if (!participant) throw new MediaError('unknown-participant', 'The participant is not in this room.');
    return participant;
  }

  /** Counts for stats(). */
  census(): { peerConnections: number; publishedTracks: number; subscriptions: number } {
    let peerConnections = 0;
    let publishedTracks = 0;
    let subscriptions = 0;
    for (const participant of this.participants.values()) {
      peerConnections += participant.peerConnections;
      for (const publication of participant.publisher?.publications() ?? []) {
        publishedTracks++;
        subscriptions += publication.subscriptions.length;
      }
    }
    return { peerConnections, publishedTracks, subscriptions };
  }

  close(): void {
    this.closed = true;
    // Everyone leaves at once: close all subscribers before any publisher so no one is renegotiated.
    for (const participant of this.participants.values()) participant.subscriber?.close();
    for (const participant of this.participants.values()) participant.publisher?.close();
    this.participants.clear();
  }
}
