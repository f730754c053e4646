import type { PublishedTrack, SubscribedTrack } from '@parley/protocol';
import { declareStore } from '../privacy/memory-stores.js';
import type { MediaContext } from './media-context.js';
import { MediaError } from './media-error.js';
import { Participant } from './participant.js';
import type { Publication } from './publication.js';
import { Publisher } from './publisher.js';
import { Subscriber } from './subscriber.js';

declareStore('connection-addresses');

export interface RoomListener {
  subscriberOffer(participantId: string, sdp: string, tracks: SubscribedTrack[]): void;
  connectionClosed(participantId: string, direction: 'publish' | 'subscribe'): void;
}

/**
 * Who receives what in one room: every participant's subscriber gets every publication of every
 * other participant, from the moment both exist until either goes away.
 */
export class RoomRouter {
  private readonly participants = new Map<string, Participant>();
  private closed = false;

  constructor(
    readonly roomId: string,
    private readonly context: MediaContext,
    private readonly listener: RoomListener,
  ) {}

  get participantCount(): number {
    return this.participants.size;
  }

  has(participantId: string): boolean {
    return this.participants.has(participantId);
  }

  add(participantId: string): void {
    if (this.closed || this.participants.has(participantId)) return;
    this.participants.set(participantId, new Participant(participantId));
  }

  remove(participantId: string): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    this.participants.delete(participantId);
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
    });
    const answer = subscriber.connect(offerSdp);
    participant.subscriber = subscriber;
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

  /** Stop (or resume) forwarding the participant's microphone to everyone. */
  setMicForwarding(participantId: string, enabled: boolean): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    participant.micHeld = !enabled;
    for (const publication of participant.publisher?.publications() ?? []) {
      if (publication.source === 'mic') publication.forwarding = enabled;
    }
  }

  private published(publication: Publication): void {
    if (publication.source === 'mic' && this.participants.get(publication.participantId)?.micHeld) {
      publication.forwarding = false;
    }
    for (const participant of this.participants.values()) {
      if (participant.id !== publication.participantId) participant.subscriber?.subscribe(publication);
    }
  }

  private unpublished(publication: Publication): void {
    for (const participant of this.participants.values()) participant.subscriber?.unsubscribe(publication);
  }

  private participant(participantId: string): Participant {
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
