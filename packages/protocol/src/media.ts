import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId, Sdp, TrackKind, TrackSource, VideoCodec } from './common.js';
import { defineRequests, request } from './feature.js';

/**
 * Media connections: the publish connection (the browser's tracks to the SFU) and the subscribe
 * connection (everyone else's tracks from it), negotiated by SDP over signaling; mutes; restarts.
 * What the SFU chooses to forward is media-quality.ts.
 */

export const PublishedTrack = z.object({
  /** The transceiver's mid in the publish connection's SDP. */
  mid: z.string().min(1).max(16),
  source: TrackSource,
  /** The source is switched off while its track stays (microphone muted, camera off). */
  muted: z.boolean().optional(),
});
export type PublishedTrack = z.infer<typeof PublishedTrack>;

/**
 * Offer of the publish connection (first one and every renegotiation). `tracks` lists every track the
 * client publishes after this offer; tracks missing from the list are unpublished.
 */
export const PublishRequest = z.object({
  type: z.literal('publish'),
  id: RequestId,
  sdp: Sdp,
  tracks: z.array(PublishedTrack).max(8),
});

/** The browser's first offer on the subscribe connection (a data channel only, so the server can answer). */
export const SubscribeRequest = z.object({
  type: z.literal('subscribe'),
  id: RequestId,
  sdp: Sdp,
});

/** Answer to a `subscriber-offer` event. */
export const SubscriberAnswerRequest = z.object({
  type: z.literal('subscriber-answer'),
  id: RequestId,
  sdp: Sdp,
});

/** The publisher switched a source off (muted) or on again without removing its track. */
export const SetMutedRequest = z.object({
  type: z.literal('set-muted'),
  id: RequestId,
  source: TrackSource,
  muted: z.boolean(),
});

export const SdpResult = z.object({ sdp: Sdp });
export type SdpResult = z.infer<typeof SdpResult>;

/** A track the subscribe connection carries, tied to its m-line by mid. */
export const SubscribedTrack = z.object({
  mid: z.string(),
  participantId: ParticipantId,
  source: TrackSource,
  kind: TrackKind,
  /**
   * Video: the codec the SFU forwards it in (the publisher's). A browser that cannot decode it rejects
   * the m-line and shows that it cannot play this video. Absent: VP8.
   */
  codec: VideoCodec.optional(),
});
export type SubscribedTrack = z.infer<typeof SubscribedTrack>;

/** The server (re)offers the subscribe connection; the client answers with `subscriber-answer`. */
export const SubscriberOfferEvent = z.object({
  type: z.literal('subscriber-offer'),
  sdp: Sdp,
  /** Every track on the subscribe connection after this offer. */
  tracks: z.array(SubscribedTrack),
});
/**
 * The server's media for this meeting restarted (a media worker failed and was replaced): close both
 * media connections and publish/subscribe again. Signaling, role and meeting state are kept.
 */
export const MediaRestartEvent = z.object({ type: z.literal('media-restart') });

export const MediaRequests = defineRequests({
  publish: request(PublishRequest, SdpResult),
  subscribe: request(SubscribeRequest, SdpResult),
  'subscriber-answer': request(SubscriberAnswerRequest, EmptyResult),
  'set-muted': request(SetMutedRequest, EmptyResult),
});
export const MediaEvents = [SubscriberOfferEvent, MediaRestartEvent] as const;
