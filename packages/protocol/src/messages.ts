import { z } from 'zod';
import { BreakoutEvents, BreakoutRequests } from './breakout.js';
import { ChatEvents, ChatRequests } from './chat.js';
import { RequestId } from './common.js';
import { E2eeEvents, E2eeRequests } from './e2ee.js';
import { ErrorInfo } from './errors.js';
import { LobbyEvents, LobbyRequests } from './lobby.js';
import { MediaEvents, MediaRequests } from './media.js';
import { MediaQualityEvents, MediaQualityRequests } from './media-quality.js';
import { MeetingLifeEvents, MeetingLifeRequests } from './meeting-life.js';
import { ModerationEvents, ModerationRequests } from './moderation.js';
import { PollEvents, PollRequests } from './polls.js';
import { RecordingEvents, RecordingRequests } from './recording.js';
import { SessionEvents, SessionRequests } from './session.js';

/**
 * The whole signaling protocol, joined from the features' declarations (one file each): every
 * request with its result schema and who may make it, every event, and the message envelopes.
 * A new request or event is declared in its feature's file only.
 */

/** Every request type: its message schema, result schema and whether it is moderator-only. */
export const Requests = {
  ...SessionRequests,
  ...MediaRequests,
  ...MediaQualityRequests,
  ...ModerationRequests,
  ...LobbyRequests,
  ...ChatRequests,
  ...E2eeRequests,
  ...MeetingLifeRequests,
  ...PollRequests,
  ...BreakoutRequests,
  ...RecordingRequests,
} as const;
export type ClientRequestType = keyof typeof Requests;

type RequestSchema = (typeof Requests)[ClientRequestType]['request'];
const requestSchemas = Object.values(Requests).map((spec) => spec.request) as [
  RequestSchema,
  ...RequestSchema[],
];
export const ClientMessage = z.discriminatedUnion('type', requestSchemas);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** What each request answers, by request type (the `result` of its success response). */
export type ResultOf<T extends ClientRequestType> = z.infer<(typeof Requests)[T]['result']>;

/** The request types only a moderator may make (`moderatorOnly` in their feature's declaration). */
export type ModeratorRequestType = {
  [K in ClientRequestType]: (typeof Requests)[K]['moderatorOnly'] extends true ? K : never;
}[ClientRequestType];
export const MODERATOR_REQUESTS = (Object.keys(Requests) as ClientRequestType[]).filter(
  (type) => Requests[type].moderatorOnly,
) as readonly ModeratorRequestType[];

export const SuccessResponse = z.object({
  type: z.literal('response'),
  id: RequestId,
  ok: z.literal(true),
  result: z.unknown(),
});
export const ErrorResponse = z.object({
  type: z.literal('response'),
  /** null when the request could not be parsed far enough to know its id. */
  id: RequestId.nullable(),
  ok: z.literal(false),
  error: ErrorInfo,
});

export const ServerEvent = z.discriminatedUnion('type', [
  ...SessionEvents,
  ...MediaEvents,
  ...MediaQualityEvents,
  ...ModerationEvents,
  ...LobbyEvents,
  ...ChatEvents,
  ...E2eeEvents,
  ...MeetingLifeEvents,
  ...PollEvents,
  ...BreakoutEvents,
  ...RecordingEvents,
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

export const EventMessage = z.object({ type: z.literal('event'), event: ServerEvent });

export const ServerMessage = z.union([SuccessResponse, ErrorResponse, EventMessage]);
export type ServerMessage = z.infer<typeof ServerMessage>;
