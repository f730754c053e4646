import { z } from 'zod';
import { BreakoutResultSchemas, BreakoutServerEvents } from './breakout.js';
import {
  ChatMessage,
  ErrorInfo,
  IceServer,
  LobbyEntry,
  ParticipantId,
  ParticipantInfo,
  RequestId,
  RoomSettings,
  Sdp,
  TrackKind,
  TrackSource,
} from './common.js';
import { E2eeResultSchemas, E2eeServerEvents } from './e2ee.js';
import { MediaQualityResultSchemas, MediaQualityServerEvents } from './media-quality.js';
import { MeetingLifeResultSchemas, MeetingLifeServerEvents } from './meeting-life.js';
import { PollResultSchemas, PollServerEvents } from './polls.js';
import { RecordingResultSchemas, RecordingServerEvents } from './recording.js';

export const JoinResult = z.object({
  /**
   * `joined`: admitted now (a `joined` event follows). `waiting-for-host`: admitted automatically when
   * a host arrives. `lobby`: knocking; a `joined` event follows when a moderator admits, a
   * `join-denied` event when one does not.
   */
  status: z.enum(['joined', 'waiting-for-host', 'lobby']),
});
export type JoinResult = z.infer<typeof JoinResult>;

export const SdpResult = z.object({ sdp: Sdp });
export type SdpResult = z.infer<typeof SdpResult>;

export const EmptyResult = z.object({});

export const InvitationResult = z.object({
  /** The link to hand out: the room's page with the token. */
  url: z.string(),
  token: z.string(),
  /** Epoch milliseconds. */
  expiresAt: z.number(),
  singleUse: z.boolean(),
});
export type InvitationResult = z.infer<typeof InvitationResult>;

export const ChatSendResult = z.object({ messageId: z.string() });

/** Result type of each request, by request type. */
export const ResultSchemas = {
  join: JoinResult,
  publish: SdpResult,
  subscribe: SdpResult,
  'subscriber-answer': EmptyResult,
  'set-muted': EmptyResult,
  leave: EmptyResult,
  'set-password': EmptyResult,
  'set-lobby': EmptyResult,
  'lobby-admit': EmptyResult,
  'lobby-deny': EmptyResult,
  'set-locked': EmptyResult,
  'invite-create': InvitationResult,
  'invite-revoke-all': EmptyResult,
  kick: EmptyResult,
  mute: EmptyResult,
  'mute-all': EmptyResult,
  'allow-unmute': EmptyResult,
  'set-role': EmptyResult,
  'end-meeting': EmptyResult,
  'set-chat-history': EmptyResult,
  'chat-clear': EmptyResult,
  'request-unmute': EmptyResult,
  'chat-send': ChatSendResult,
  'chat-delete': EmptyResult,
  ...E2eeResultSchemas,
  ...MeetingLifeResultSchemas,
  ...MediaQualityResultSchemas,
  ...PollResultSchemas,
  ...BreakoutResultSchemas,
  ...RecordingResultSchemas,
} as const;
export type ResultOf<T extends keyof typeof ResultSchemas> = z.infer<(typeof ResultSchemas)[T]>;

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

/** A track the subscribe connection carries, tied to its m-line by mid. */
export const SubscribedTrack = z.object({
  mid: z.string(),
  participantId: ParticipantId,
  source: TrackSource,
  kind: TrackKind,
});
export type SubscribedTrack = z.infer<typeof SubscribedTrack>;

/** A signed, opaque resume token (the server alone reads it). */
export const ResumeToken = z.string().min(1).max(1024);

export const JoinedEvent = z.object({
  type: z.literal('joined'),
  self: ParticipantInfo,
  participants: z.array(ParticipantInfo),
  iceServers: z.array(IceServer),
  /**
   * `relay`: the operator allows only relayed (TURN) candidates, so the media server sees only the
   * relay's address (`RTCConfiguration.iceTransportPolicy`; PARLEY_ICE_RELAY_ONLY). Absent: `all`.
   */
  iceTransportPolicy: z.enum(['all', 'relay']).optional(),
  settings: RoomSettings.default({
    passwordSet: false,
    lobbyEnabled: false,
    locked: false,
    chatHistory: false,
  }),
  /** Earlier chat messages, only when the moderators switched history for late joiners on. */
  chatHistory: z.array(ChatMessage).default([]),
  /**
   * Lets this person back in after their connection dropped (send it as `resume` with `join`):
   * straight into the meeting with their role, past password, lobby and lock. Valid ~10 minutes;
   * `resume-token` events renew it.
   */
  resumeToken: ResumeToken,
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
  /** `ended`: a moderator ended the meeting for everyone. */
  reason: z.enum(['ended', 'server-shutdown']),
});
/** The room's settings changed (password set, lobby, lock, chat history). */
export const SettingsUpdatedEvent = z.object({ type: z.literal('settings-updated'), settings: RoomSettings });
/** To moderators: the people knocking, in arrival order (sent whenever it changes). */
export const LobbyUpdatedEvent = z.object({ type: z.literal('lobby-updated'), entries: z.array(LobbyEntry) });
/**
 * To moderators: who started knocking (in arrival order, after those already there) and which
 * entries left the lobby (admitted, turned away, gave up). Sent on every change after the full
 * queue (`lobby-updated`) a moderator got when they joined or became a moderator.
 */
export const LobbyChangedEvent = z.object({
  type: z.literal('lobby-changed'),
  added: z.array(LobbyEntry),
  removed: z.array(z.string().max(64)),
});
/** To a knocking guest: a moderator turned them away, or the meeting was locked or ended. The socket closes. */
export const JoinDeniedEvent = z.object({
  type: z.literal('join-denied'),
  reason: z.enum(['denied', 'locked', 'ended']),
});
/** To a participant a moderator removed; the socket closes right after. */
export const RemovedEvent = z.object({ type: z.literal('removed') });
/** To a participant a moderator muted; `hard`: they must ask before unmuting. */
export const MutedByModeratorEvent = z.object({
  type: z.literal('muted-by-moderator'),
  hard: z.boolean(),
});
/** To a hard-muted participant: a moderator allows them to unmute. */
export const UnmuteAllowedEvent = z.object({ type: z.literal('unmute-allowed') });
export const ChatMessageEvent = z.object({ type: z.literal('chat-message'), message: ChatMessage });
export const ChatDeletedEvent = z.object({ type: z.literal('chat-deleted'), messageId: z.string() });
export const ChatClearedEvent = z.object({ type: z.literal('chat-cleared') });
/** A fresh resume token (replaces the one from `joined`): sent every ~5 minutes and when one's role changes. */
export const ResumeTokenEvent = z.object({ type: z.literal('resume-token'), token: ResumeToken });
/**
 * The server's media for this meeting restarted (a media worker failed and was replaced): close both
 * media connections and publish/subscribe again. Signaling, role and meeting state are kept.
 */
export const MediaRestartEvent = z.object({ type: z.literal('media-restart') });

export const ServerEvent = z.discriminatedUnion('type', [
  JoinedEvent,
  ParticipantJoinedEvent,
  ParticipantUpdatedEvent,
  ParticipantLeftEvent,
  SubscriberOfferEvent,
  RoomClosedEvent,
  SettingsUpdatedEvent,
  LobbyUpdatedEvent,
  LobbyChangedEvent,
  JoinDeniedEvent,
  RemovedEvent,
  MutedByModeratorEvent,
  UnmuteAllowedEvent,
  ChatMessageEvent,
  ChatDeletedEvent,
  ChatClearedEvent,
  ResumeTokenEvent,
  MediaRestartEvent,
  ...E2eeServerEvents,
  ...MeetingLifeServerEvents,
  ...MediaQualityServerEvents,
  ...PollServerEvents,
  ...BreakoutServerEvents,
  ...RecordingServerEvents,
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

export const EventMessage = z.object({ type: z.literal('event'), event: ServerEvent });

export const ServerMessage = z.union([SuccessResponse, ErrorResponse, EventMessage]);
export type ServerMessage = z.infer<typeof ServerMessage>;
