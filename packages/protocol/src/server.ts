import { z } from 'zod';
import {
  ErrorInfo,
  IceServer,
  ParticipantId,
  ParticipantInfo,
  Sdp,
  TrackKind,
  TrackSource,
} from './common.js';

export const JoinResult = z.object({
  /** `joined`: admitted now (a `joined` event follows). `waiting-for-host`: admitted automatically when a host arrives. */
  status: z.enum(['joined', 'waiting-for-host']),
});
export type JoinResult = z.infer<typeof JoinResult>;

export const SdpResult = z.object({ sdp: Sdp });
export type SdpResult = z.infer<typeof SdpResult>;

export const EmptyResult = z.object({});

/** Result type of each request, by request type. */
export const ResultSchemas = {
  join: JoinResult,
  publish: SdpResult,
  subscribe: SdpResult,
  'subscriber-answer': EmptyResult,
  'set-muted': EmptyResult,
  leave: EmptyResult,
} as const;
export type ResultOf<T extends keyof typeof ResultSchemas> = z.infer<(typeof ResultSchemas)[T]>;

export const SuccessResponse = z.object({
  type: z.literal('response'),
  id: z.number(),
  ok: z.literal(true),
  result: z.unknown(),
});
export const ErrorResponse = z.object({
  type: z.literal('response'),
  /** null when the request could not be parsed far enough to know its id. */
  id: z.number().nullable(),
  ok: z.literal(false),
  error: ErrorInfo,
});

/** A track the subscribe connection carries, tied to its m-line by mid. */
export const SubscribedTrack = z.object({
  mid: z.string(),
  participantId: ParticipantId,
  source: TrackSource,
  kind: TrackKind,
});
export type SubscribedTrack = z.infer<typeof SubscribedTrack>;

export const JoinedEvent = z.object({
  type: z.literal('joined'),
  self: ParticipantInfo,
  participants: z.array(ParticipantInfo),
  iceServers: z.array(IceServer),
});
export const ParticipantJoinedEvent = z.object({
  type: z.literal('participant-joined'),
  participant: ParticipantInfo,
});
export const ParticipantUpdatedEvent = z.object({
  type: z.literal('participant-updated'),
  participant: ParticipantInfo,
});
export const ParticipantLeftEvent = z.object({
  type: z.literal('participant-left'),
  participantId: ParticipantId,
});
/** The server (re)offers the subscribe connection; the client answers with `subscriber-answer`. */
export const SubscriberOfferEvent = z.object({
  type: z.literal('subscriber-offer'),
  sdp: Sdp,
  /** Every track on the subscribe connection after this offer. */
  tracks: z.array(SubscribedTrack),
});
export const RoomClosedEvent = z.object({
  type: z.literal('room-closed'),
  reason: z.enum(['ended', 'server-shutdown']),
});

export const ServerEvent = z.discriminatedUnion('type', [
  JoinedEvent,
  ParticipantJoinedEvent,
  ParticipantUpdatedEvent,
  ParticipantLeftEvent,
  SubscriberOfferEvent,
  RoomClosedEvent,
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

export const EventMessage = z.object({ type: z.literal('event'), event: ServerEvent });

export const ServerMessage = z.union([SuccessResponse, ErrorResponse, EventMessage]);
export type ServerMessage = z.infer<typeof ServerMessage>;
