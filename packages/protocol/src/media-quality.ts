import { z } from 'zod';
import { ParticipantId, TrackSource } from './common.js';

/** Same shape as every request id (client.ts). */
const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * Media quality: what the SFU needs from the web app to choose what to forward (the size at which each
 * remote video is shown), and what it tells the app about the room's audio (who is speaking).
 */

/**
 * The size in CSS pixels × devicePixelRatio at which this client shows a remote video now; 0 × 0 when
 * it is not shown (hidden tile, other page of the grid). The SFU forwards the smallest simulcast layer
 * that covers it. Sent when the size changes, debounced by the client.
 */
export const VideoSizeRequest = z.object({
  type: z.literal('video-size'),
  id: RequestId,
  participantId: ParticipantId,
  source: TrackSource,
  width: z.number().int().nonnegative().max(16384),
  height: z.number().int().nonnegative().max(16384),
});
export type VideoSizeRequest = z.infer<typeof VideoSizeRequest>;

/**
 * To everyone in the meeting: who is speaking now, loudest first (empty: nobody), from the audio
 * levels of their microphones. Sent when the list changes, at most about three times a second.
 */
export const ActiveSpeakersEvent = z.object({
  type: z.literal('active-speakers'),
  participantIds: z.array(ParticipantId),
});
export type ActiveSpeakersEvent = z.infer<typeof ActiveSpeakersEvent>;

/** This module's additions to ClientMessage, ResultSchemas and ServerEvent. */
export const MediaQualityClientMessages = [VideoSizeRequest] as const;
export const MediaQualityResultSchemas = { 'video-size': z.object({}) } as const;
export const MediaQualityServerEvents = [ActiveSpeakersEvent] as const;
