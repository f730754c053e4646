import { z } from 'zod';
import { DisplayName, RoomName, Sdp, TrackSource } from './common.js';

/** Every client message is a request with a numeric id; the server answers each with a response of the same id. */
const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const PublishedTrack = z.object({
  /** The transceiver's mid in the publish connection's SDP. */
  mid: z.string().min(1).max(16),
  source: TrackSource,
  /** The source is switched off while its track stays (microphone muted, camera off). */
  muted: z.boolean().optional(),
});
export type PublishedTrack = z.infer<typeof PublishedTrack>;

export const JoinRequest = z.object({
  type: z.literal('join'),
  id: RequestId,
  protocolVersion: z.number().int(),
  room: RoomName,
  displayName: DisplayName,
});

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

export const LeaveRequest = z.object({
  type: z.literal('leave'),
  id: RequestId,
});

export const ClientMessage = z.discriminatedUnion('type', [
  JoinRequest,
  PublishRequest,
  SubscribeRequest,
  SubscriberAnswerRequest,
  SetMutedRequest,
  LeaveRequest,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientRequestType = ClientMessage['type'];
