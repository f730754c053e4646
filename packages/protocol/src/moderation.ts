import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId, Role, RoomSettings } from './common.js';
import { defineRequests, moderatorRequest, request } from './feature.js';

/**
 * Moderation: password, lock, invitations, removing and muting people, roles, ending the meeting
 * (the lobby is lobby.ts, chat history and clearing chat.ts). Every request here is a moderator's
 * but `request-unmute`, by which a hard-muted participant asks to be allowed to speak.
 */

/** Set, change (a string) or remove (null) the room password; applies to people who join afterwards. */
export const SetPasswordRequest = z.object({
  type: z.literal('set-password'),
  id: RequestId,
  password: z.string().min(1).max(256).nullable(),
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
export const InvitationResult = z.object({
  /** The link to hand out: the room's page with the token. */
  url: z.string(),
  token: z.string(),
  /** Epoch milliseconds. */
  expiresAt: z.number(),
  singleUse: z.boolean(),
});
export type InvitationResult = z.infer<typeof InvitationResult>;
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
/** A hard-muted participant asks the moderators to be allowed to unmute. */
export const RequestUnmuteRequest = z.object({ type: z.literal('request-unmute'), id: RequestId });
export const SetRoleRequest = z.object({
  type: z.literal('set-role'),
  id: RequestId,
  participantId: ParticipantId,
  role: Role,
});
export const EndMeetingRequest = z.object({ type: z.literal('end-meeting'), id: RequestId });

/** The room's settings changed (password set, lobby, lock, chat history). */
export const SettingsUpdatedEvent = z.object({ type: z.literal('settings-updated'), settings: RoomSettings });
/** To a participant a moderator removed; the socket closes right after. */
export const RemovedEvent = z.object({ type: z.literal('removed') });
/** To a participant a moderator muted; `hard`: they must ask before unmuting. */
export const MutedByModeratorEvent = z.object({
  type: z.literal('muted-by-moderator'),
  hard: z.boolean(),
});
/** To a hard-muted participant: a moderator allows them to unmute. */
export const UnmuteAllowedEvent = z.object({ type: z.literal('unmute-allowed') });

export const ModerationRequests = defineRequests({
  'set-password': moderatorRequest(SetPasswordRequest, EmptyResult),
  'set-locked': moderatorRequest(SetLockedRequest, EmptyResult),
  'invite-create': moderatorRequest(InviteCreateRequest, InvitationResult),
  'invite-revoke-all': moderatorRequest(InviteRevokeAllRequest, EmptyResult),
  kick: moderatorRequest(KickRequest, EmptyResult),
  mute: moderatorRequest(MuteRequest, EmptyResult),
  'mute-all': moderatorRequest(MuteAllRequest, EmptyResult),
  'allow-unmute': moderatorRequest(AllowUnmuteRequest, EmptyResult),
  'set-role': moderatorRequest(SetRoleRequest, EmptyResult),
  'end-meeting': moderatorRequest(EndMeetingRequest, EmptyResult),
  'request-unmute': request(RequestUnmuteRequest, EmptyResult),
});
export const ModerationEvents = [
  SettingsUpdatedEvent,
  RemovedEvent,
  MutedByModeratorEvent,
  UnmuteAllowedEvent,
] as const;
