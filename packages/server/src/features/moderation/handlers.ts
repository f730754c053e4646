import type { LobbyRequests, ModerationRequests } from '@parley/protocol';
import type { RequestHandlers } from '../../meeting/request-handler.js';

/** Moderators' requests (moderation.ts), and asking to be unmuted. */
export const moderationHandlers: RequestHandlers<
  keyof typeof ModerationRequests | keyof typeof LobbyRequests
> = {
  'set-password': async ({ meetings, me }, message) => {
    await meetings.moderation.setPassword(me, message.password);
    return {};
  },
  'set-lobby': ({ meetings, me }, message) => {
    meetings.moderation.setLobby(me, message.enabled);
    return {};
  },
  'lobby-admit': ({ meetings, me }, message) => {
    meetings.moderation.admit(me, message.entryId);
    return {};
  },
  'lobby-deny': ({ meetings, me }, message) => {
    meetings.moderation.deny(me, message.entryId);
    return {};
  },
  'set-locked': ({ meetings, me }, message) => {
    meetings.moderation.setLocked(me, message.locked);
    return {};
  },
  'invite-create': ({ meetings, me, origin }, message) => {
    return meetings.moderation.createInvitation(me, origin, {
      expiresInSeconds: message.expiresInSeconds,
      singleUse: message.singleUse,
    });
  },
  'invite-revoke-all': ({ meetings, me }) => {
    meetings.moderation.revokeInvitations(me);
    return {};
  },
  kick: ({ meetings, me }, message) => {
    meetings.moderation.kick(me, message.participantId);
    return {};
  },
  mute: ({ meetings, me }, message) => {
    meetings.moderation.mute(me, message.participantId, message.hard);
    return {};
  },
  'mute-all': ({ meetings, me }, message) => {
    meetings.moderation.muteAll(me, message.hard);
    return {};
  },
  'allow-unmute': ({ meetings, me }, message) => {
    meetings.moderation.allowUnmute(me, message.participantId);
    return {};
  },
  'set-role': ({ meetings, me }, message) => {
    meetings.moderation.setRole(me, message.participantId, message.role);
    return {};
  },
  'end-meeting': ({ meetings, me }) => {
    meetings.moderation.endMeeting(me);
    return {};
  },
  'request-unmute': ({ meetings, me }) => {
    meetings.moderation.requestUnmute(me);
    return {};
  },
};
