import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId } from './common.js';
import { defineRequests, moderatorRequest } from './feature.js';

/**
 * The lobby: guests without an invitation knock and wait; moderators switch it on or off and admit
 * or turn away each person knocking.
 */

/** Someone knocking at the lobby, as moderators see them. */
export const LobbyEntry = z.object({ id: ParticipantId, displayName: z.string() });
export type LobbyEntry = z.infer<typeof LobbyEntry>;

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

export const LobbyRequests = defineRequests({
  'set-lobby': moderatorRequest(SetLobbyRequest, EmptyResult),
  'lobby-admit': moderatorRequest(LobbyAdmitRequest, EmptyResult),
  'lobby-deny': moderatorRequest(LobbyDenyRequest, EmptyResult),
});
export const LobbyEvents = [LobbyUpdatedEvent, LobbyChangedEvent, JoinDeniedEvent] as const;
