import { z } from 'zod';

/** Bumped on every incompatible change; the server refuses clients that speak another version. */
export const PROTOCOL_VERSION = 1;

/** Largest signaling message (bytes) the server accepts; SDP of a large meeting fits well inside. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** Letters, digits, `-` and `_`, 1–64 characters. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const RoomName = z
  .string()
  .regex(ROOM_NAME_PATTERN, 'A room name uses only letters, digits, "-" and "_", 1 to 64 characters.');

export const MAX_DISPLAY_NAME_LENGTH = 64;
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'Please enter a display name.')
  .max(MAX_DISPLAY_NAME_LENGTH, `A display name has at most ${MAX_DISPLAY_NAME_LENGTH} characters.`);

/** Every client message is a request with a numeric id; the server answers each with a response of the same id. */
export const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export type RequestId = z.infer<typeof RequestId>;

export const ParticipantId = z.string().min(1).max(32);
export type ParticipantId = z.infer<typeof ParticipantId>;

export const Role = z.enum(['moderator', 'participant']);
export type Role = z.infer<typeof Role>;

/** What a track carries, from the participant's point of view. One track per source per participant. */
export const TrackSource = z.enum(['mic', 'camera', 'screen', 'screen-audio']);
export type TrackSource = z.infer<typeof TrackSource>;

export const TrackKind = z.enum(['audio', 'video']);
export type TrackKind = z.infer<typeof TrackKind>;

/**
 * The video codecs the SFU forwards (one per published track, the publisher's choice). VP8 is what
 * every browser encodes and decodes and what end-to-end encryption uses; the others are the
 * operator's choice (PARLEY_VIDEO_CODEC) for browsers that have them.
 */
export const VideoCodec = z.enum(['vp8', 'vp9', 'h264', 'av1']);
export type VideoCodec = z.infer<typeof VideoCodec>;

export function kindOfSource(source: TrackSource): TrackKind {
  return source === 'mic' || source === 'screen-audio' ? 'audio' : 'video';
}

export const TrackInfo = z.object({
  source: TrackSource,
  kind: TrackKind,
  /** true while the publisher has switched the source off but keeps the track (e.g. microphone muted). */
  muted: z.boolean(),
});
export type TrackInfo = z.infer<typeof TrackInfo>;

export const ParticipantInfo = z.object({
  id: ParticipantId,
  displayName: z.string(),
  role: Role,
  tracks: z.array(TrackInfo),
  /**
   * A moderator muted this participant with "ask to unmute": the server forwards none of their
   * audio, and they may unmute only after a moderator allows it.
   */
  hardMuted: z.boolean().default(false),
  /** While hard-muted: the participant asked the moderators to be allowed to unmute. */
  unmuteRequested: z.boolean().default(false),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

export const IceServer = z.object({
  urls: z.array(z.string()),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** Meeting-wide settings every participant sees (moderators change them). */
export const RoomSettings = z.object({
  /** A password is required from people who join from now on (the password itself is never sent). */
  passwordSet: z.boolean(),
  /** Guests knock and wait until a moderator admits them. */
  lobbyEnabled: z.boolean(),
  /** Nobody new gets in, not even through the lobby or an invitation. */
  locked: z.boolean(),
  /** Late joiners receive the chat messages sent before they came (kept in memory only). */
  chatHistory: z.boolean(),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

/** SDP blobs are capped separately from the message so one huge field cannot slip through. */
export const Sdp = z.string().min(1).max(100_000);

/** The result of a request that answers nothing but success. */
export const EmptyResult = z.object({});
