import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId, RoomName } from './common.js';
import { defineRequests, moderatorRequest, request } from './feature.js';

/**
 * Breakout rooms (docs/protocol.md, _Breakout rooms_): a moderator of a meeting creates 1–20 rooms,
 * assigns people (by hand, at random, or lets them choose) and opens them. Each breakout room is a
 * meeting of its own on the server (own media, chat and end-to-end encryption); people move there
 * and back with a one-time move grant (`breakout-move`), never re-entering names or passwords.
 * Everything is kept in the server's memory only and goes with the meeting.
 */

export const MAX_BREAKOUT_ROOMS = 20;
export const MAX_BREAKOUT_NAME_LENGTH = 40;
export const MAX_BREAKOUT_MESSAGE_LENGTH = 500;
/** A breakout timer runs at least a minute, at most a day. */
export const MIN_BREAKOUT_SECONDS = 60;
export const MAX_BREAKOUT_SECONDS = 24 * 3600;
/** People are warned this long before a timer closes the rooms. */
export const BREAKOUT_WARNING_SECONDS = 60;

/** A breakout room's id within its meeting (random, short). */
export const BreakoutId = z.string().min(1).max(16);
export const BreakoutName = z.string().trim().min(1).max(MAX_BREAKOUT_NAME_LENGTH);

/** Moderator: create `count` rooms (replacing rooms not yet opened); names default to "Room 1…N". */
export const BreakoutCreateRequest = z.object({
  type: z.literal('breakout-create'),
  id: RequestId,
  count: z.number().int().min(1).max(MAX_BREAKOUT_ROOMS),
  names: z.array(BreakoutName).max(MAX_BREAKOUT_ROOMS).optional(),
});
/** Moderator: put people of the main room into rooms by hand (`roomId` null: stays in the main room). */
export const BreakoutAssignRequest = z.object({
  type: z.literal('breakout-assign'),
  id: RequestId,
  assignments: z.array(z.object({ participantId: ParticipantId, roomId: BreakoutId.nullable() })).max(500),
});
/** Moderator: spread everyone in the main room who is not a moderator evenly over the rooms, at random. */
export const BreakoutAssignRandomRequest = z.object({
  type: z.literal('breakout-assign-random'),
  id: RequestId,
});
/** Moderator: let people pick their room themselves (`breakout-choose`). */
export const BreakoutAllowChoiceRequest = z.object({
  type: z.literal('breakout-allow-choice'),
  id: RequestId,
  allowed: z.boolean(),
});
/** Moderator: open the rooms; everyone assigned moves. `seconds`: close them by themselves after that long. */
export const BreakoutOpenRequest = z.object({
  type: z.literal('breakout-open'),
  id: RequestId,
  seconds: z.number().int().min(MIN_BREAKOUT_SECONDS).max(MAX_BREAKOUT_SECONDS).optional(),
});
/** Moderator: set (or with null cancel) the timer of open rooms. */
export const BreakoutTimerRequest = z.object({
  type: z.literal('breakout-timer'),
  id: RequestId,
  seconds: z.number().int().min(MIN_BREAKOUT_SECONDS).max(MAX_BREAKOUT_SECONDS).nullable(),
});
/** Moderator: close the rooms; everyone comes back to the main room. */
export const BreakoutCloseRequest = z.object({ type: z.literal('breakout-close'), id: RequestId });
/** Moderator: a message shown in every room (relayed by the server: it is not end-to-end encrypted). */
export const BreakoutBroadcastRequest = z.object({
  type: z.literal('breakout-broadcast'),
  id: RequestId,
  text: z.string().trim().min(1).max(MAX_BREAKOUT_MESSAGE_LENGTH),
});
/** Moderator: go to a breakout room (`roomId`) or back to the main room (null). */
export const BreakoutVisitRequest = z.object({
  type: z.literal('breakout-visit'),
  id: RequestId,
  roomId: BreakoutId.nullable(),
});
/** Anyone, when the moderators let people choose: pick a room (moves at once while the rooms are open). */
export const BreakoutChooseRequest = z.object({
  type: z.literal('breakout-choose'),
  id: RequestId,
  roomId: BreakoutId.nullable(),
});
/** Someone in a breakout room asks the moderators in the main room for help. */
export const BreakoutHelpRequest = z.object({ type: z.literal('breakout-help'), id: RequestId });

export const BreakoutRoomInfo = z.object({
  id: BreakoutId,
  name: z.string(),
  /** Moderators only: participant ids (main room, before opening) of the people assigned here. */
  assigned: z.array(ParticipantId),
  /** Moderators only: display names of the people in the room now. */
  present: z.array(z.string()),
});
export type BreakoutRoomInfo = z.infer<typeof BreakoutRoomInfo>;

export const BreakoutStateEvent = z.object({
  type: z.literal('breakout-state'),
  /** null: no breakout rooms (none created, or closed). */
  rooms: z.array(BreakoutRoomInfo).nullable(),
  open: z.boolean(),
  allowChoice: z.boolean(),
  /** Epoch ms when a timer closes the rooms; null without a timer. */
  endsAt: z.number().nullable(),
  /** The breakout room the recipient is in now (null: the main room). */
  here: z.object({ id: BreakoutId, name: z.string() }).nullable(),
  /** The room the recipient is assigned to or chose (null: none). */
  mine: BreakoutId.nullable(),
});
/**
 * Move now: leave this room and join `room` with `grant` (in the join request), as a new participant.
 * The grant is good once, for this person and that room only, and for a short while.
 */
export const BreakoutMoveEvent = z.object({
  type: z.literal('breakout-move'),
  room: RoomName,
  grant: z.string().max(256),
  /** The breakout room moved to; null when going back to the main room. */
  breakout: z.object({ id: BreakoutId, name: z.string() }).nullable(),
});
export const BreakoutMessageEvent = z.object({
  type: z.literal('breakout-message'),
  text: z.string(),
  from: z.string(),
});
/** The rooms close soon (timer). */
export const BreakoutWarningEvent = z.object({
  type: z.literal('breakout-warning'),
  secondsLeft: z.number().int().nonnegative(),
});
/** To the moderators in the main room: someone in a breakout room asks for help. */
export const BreakoutHelpEvent = z.object({
  type: z.literal('breakout-help'),
  roomId: BreakoutId,
  roomName: z.string(),
  from: z.string(),
});

export const BreakoutRequests = defineRequests({
  'breakout-create': moderatorRequest(BreakoutCreateRequest, EmptyResult),
  'breakout-assign': moderatorRequest(BreakoutAssignRequest, EmptyResult),
  'breakout-assign-random': moderatorRequest(BreakoutAssignRandomRequest, EmptyResult),
  'breakout-allow-choice': moderatorRequest(BreakoutAllowChoiceRequest, EmptyResult),
  'breakout-open': moderatorRequest(BreakoutOpenRequest, EmptyResult),
  'breakout-timer': moderatorRequest(BreakoutTimerRequest, EmptyResult),
  'breakout-close': moderatorRequest(BreakoutCloseRequest, EmptyResult),
  'breakout-broadcast': moderatorRequest(BreakoutBroadcastRequest, EmptyResult),
  'breakout-visit': moderatorRequest(BreakoutVisitRequest, EmptyResult),
  'breakout-choose': request(BreakoutChooseRequest, EmptyResult),
  'breakout-help': request(BreakoutHelpRequest, EmptyResult),
});
export const BreakoutEvents = [
  BreakoutStateEvent,
  BreakoutMoveEvent,
  BreakoutMessageEvent,
  BreakoutWarningEvent,
  BreakoutHelpEvent,
] as const;
