import { z } from 'zod';
import { RoomName } from './common.js';
import { Username } from './http.js';

/** Shapes of the kept rooms' JSON API (/api/kept-rooms; server: packages/server/src/kept-rooms). */

/** Kept rooms one account may have. */
export const MAX_KEPT_ROOMS = 50;
/** Moderators (other accounts) one kept room may list. */
export const MAX_KEPT_ROOM_MODERATORS = 20;
/** Longest scheduled meeting, in minutes (24 hours). */
export const MAX_MEETING_MINUTES = 24 * 60;

/** A kept room's default password, as the room password of a meeting (set-password). */
export const KeptRoomPassword = z
  .string()
  .min(1, 'A room password has at least 1 character.')
  .max(256, 'A room password has at most 256 characters.');

/**
 * POST /api/kept-rooms and PUT /api/kept-rooms/:id. `password`: a string sets (or replaces) the
 * default password, null removes it, absent keeps what is there (the server keeps only a hash and
 * never shows it again).
 */
export const KeptRoomInput = z.strictObject({
  name: RoomName,
  password: KeptRoomPassword.nullable().optional(),
  lobby: z.boolean(),
  e2ee: z.boolean(),
  moderators: z
    .array(Username)
    .max(MAX_KEPT_ROOM_MODERATORS, `A kept room lists at most ${MAX_KEPT_ROOM_MODERATORS} moderators.`),
});
export type KeptRoomInput = z.infer<typeof KeptRoomInput>;

/** The next scheduled start of a kept room's meeting. */
export const KeptRoomSchedule = z.strictObject({
  /** ISO 8601 instant. */
  start: z.iso.datetime({ offset: true }),
  minutes: z.number().int().min(5).max(MAX_MEETING_MINUTES),
});
export type KeptRoomSchedule = z.infer<typeof KeptRoomSchedule>;

/** PUT /api/kept-rooms/:id/schedule: set the next start (or null: none). */
export const KeptRoomScheduleInput = z.strictObject({ schedule: KeptRoomSchedule.nullable() });
export type KeptRoomScheduleInput = z.infer<typeof KeptRoomScheduleInput>;

/** One kept room as its owner sees it: never the password, only whether one is set. */
export const KeptRoom = z.object({
  id: z.string(),
  name: RoomName,
  passwordSet: z.boolean(),
  lobby: z.boolean(),
  e2ee: z.boolean(),
  moderators: z.array(z.string()),
  /** ISO 8601. */
  createdAt: z.string(),
  /** ISO 8601: when a meeting in it was last opened (or created, if never). */
  lastOpenedAt: z.string(),
  /** The next scheduled start, when one is set and not yet over. */
  schedule: KeptRoomSchedule.nullable(),
});
export type KeptRoom = z.infer<typeof KeptRoom>;

/** GET /api/kept-rooms */
export const KeptRoomList = z.object({ rooms: z.array(KeptRoom) });
export type KeptRoomList = z.infer<typeof KeptRoomList>;

/** GET /api/room-schedule/:name (public): only when the next meeting in that room starts. */
export const RoomScheduleAnswer = z.object({ schedule: KeptRoomSchedule.nullable() });
export type RoomScheduleAnswer = z.infer<typeof RoomScheduleAnswer>;
