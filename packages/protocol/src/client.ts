import { z } from 'zod';
import { BREAKOUT_MODERATOR_REQUESTS, BreakoutClientMessages } from './breakout.js';
import {
  DisplayName,
  MAX_CHAT_TEXT_BYTES,
  ParticipantId,
  RequestId,
  Role,
  RoomName,
  Sdp,
  TrackSource,
} from './common.js';
import { E2eeClientMessages } from './e2ee.js';
import { MediaQualityClientMessages } from './media-quality.js';
import { MeetingLifeClientMessages } from './meeting-life.js';
import { PollClientMessages } from './polls.js';
import { RecordingClientMessages } from './recording.js';

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
  /** The room password, when the room has one (asked for after a `password-required` error). */
  password: z.string().max(256).optional(),
  /** An invitation token from an invitation link: lets a guest in past password and lobby. */
  invitation: z.string().max(2048).optional(),
  /**
   * A random id this browser keeps (localStorage); lets the server recognise a removed participant
   * who comes back. Never stored beyond the meeting.
   */
  clientKey: z.string().min(16).max(64).optional(),
  /** The browser can encrypt media end to end (encoded transforms); others cannot enter encrypted meetings. */
  e2ee: z.boolean().optional(),
  /**
   * The resume token from `joined` / `resume-token` after a dropped connection: a valid one lets the
   * person straight back in with their role. An invalid or expired one is ignored (a normal join).
   */
  resume: z.string().max(1024).optional(),
  /** A move grant from `breakout-move`: straight into that (breakout or main) room, once. */
  grant: z.string().max(256).optional(),
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

// ---- Moderation (moderators only; everyone else gets `forbidden`) ----

/** Set, change (a string) or remove (null) the room password; applies to people who join afterwards. */
export const SetPasswordRequest = z.object({
  type: z.literal('set-password'),
  id: RequestId,
  password: z.string().min(1).max(256).nullable(),
});
export const SetLobbyRequest = z.object({
  type: z.literal('set-lobby'),
  id: RequestId,
  enabled: z.boolean(),
});
export const LobbyAdmitRequest = z.object({
  type: z.literal('lobby-admit'),
  id: RequestId,
  entryId: ParticipantId,
});
export const LobbyDenyRequest = z.object({
  type: z.literal('lobby-deny'),
  id: RequestId,
  entryId: ParticipantId,
});
export const SetLockedRequest = z.object({
  type: z.literal('set-locked'),
  id: RequestId,
  locked: z.boolean(),
});

export const MAX_INVITATION_SECONDS = 30 * 24 * 3600;
/** Create an invitation link (default: valid 24 h, any number of uses). */
export const InviteCreateRequest = z.object({
  type: z.literal('invite-create'),
  id: RequestId,
  expiresInSeconds: z.number().int().min(60).max(MAX_INVITATION_SECONDS).optional(),
  singleUse: z.boolean().optional(),
});
/** Every invitation created for this meeting so far stops working. */
export const InviteRevokeAllRequest = z.object({ type: z.literal('invite-revoke-all'), id: RequestId });

export const KickRequest = z.object({ type: z.literal('kick'), id: RequestId, participantId: ParticipantId });
/** Mute one participant; `hard`: they must ask before unmuting ("ask to unmute"). */
export const MuteRequest = z.object({
  type: z.literal('mute'),
  id: RequestId,
  participantId: ParticipantId,
  hard: z.boolean().default(false),
});
/** Mute everyone but the moderators. */
export const MuteAllRequest = z.object({
  type: z.literal('mute-all'),
  id: RequestId,
  hard: z.boolean().default(false),
});
/** Lift a hard mute (grant an unmute request); the participant unmutes themselves. */
export const AllowUnmuteRequest = z.object({
  type: z.literal('allow-unmute'),
  id: RequestId,
  participantId: ParticipantId,
});
export const SetRoleRequest = z.object({
  type: z.literal('set-role'),
  id: RequestId,
  participantId: ParticipantId,
  role: Role,
});
export const EndMeetingRequest = z.object({ type: z.literal('end-meeting'), id: RequestId });
/** Moderator: late joiners get the earlier chat messages (memory only, until the meeting ends). */
export const SetChatHistoryRequest = z.object({
  type: z.literal('set-chat-history'),
  id: RequestId,
  enabled: z.boolean(),
});
/** Moderator: delete every chat message on every screen. */
export const ChatClearRequest = z.object({ type: z.literal('chat-clear'), id: RequestId });

// ---- Everyone ----

/** A hard-muted participant asks the moderators to be allowed to unmute. */
export const RequestUnmuteRequest = z.object({ type: z.literal('request-unmute'), id: RequestId });

/** A chat message to everyone, or privately to one participant (`to`). Never stored or logged. */
export const ChatSendRequest = z.object({
  type: z.literal('chat-send'),
  id: RequestId,
  text: z
    .string()
    .trim()
    .min(1, 'A message cannot be empty.')
    .refine((text) => new TextEncoder().encode(text).length <= MAX_CHAT_TEXT_BYTES, {
      message: `A message has at most ${MAX_CHAT_TEXT_BYTES} bytes.`,
    }),
  to: ParticipantId.optional(),
});
/** Delete a chat message: one's own, or any as a moderator. */
export const ChatDeleteRequest = z.object({
  type: z.literal('chat-delete'),
  id: RequestId,
  messageId: z.string().min(1).max(32),
});

export const ClientMessage = z.discriminatedUnion('type', [
  JoinRequest,
  PublishRequest,
  SubscribeRequest,
  SubscriberAnswerRequest,
  SetMutedRequest,
  LeaveRequest,
  SetPasswordRequest,
  SetLobbyRequest,
  LobbyAdmitRequest,
  LobbyDenyRequest,
  SetLockedRequest,
  InviteCreateRequest,
  InviteRevokeAllRequest,
  KickRequest,
  MuteRequest,
  MuteAllRequest,
  AllowUnmuteRequest,
  SetRoleRequest,
  EndMeetingRequest,
  SetChatHistoryRequest,
  ChatClearRequest,
  RequestUnmuteRequest,
  ChatSendRequest,
  ChatDeleteRequest,
  ...E2eeClientMessages,
  ...MeetingLifeClientMessages,
  ...MediaQualityClientMessages,
  ...PollClientMessages,
  ...BreakoutClientMessages,
  ...RecordingClientMessages,
]);

/** Requests only a moderator may make. */
export const MODERATOR_REQUESTS = [
  'set-password',
  'set-lobby',
  'lobby-admit',
  'lobby-deny',
  'set-locked',
  'invite-create',
  'invite-revoke-all',
  'kick',
  'mute',
  'mute-all',
  'allow-unmute',
  'set-role',
  'end-meeting',
  'set-chat-history',
  'chat-clear',
  'lower-hand',
  ...BREAKOUT_MODERATOR_REQUESTS,
  'recording-permit',
] as const satisfies readonly ClientMessage['type'][];
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientRequestType = ClientMessage['type'];
