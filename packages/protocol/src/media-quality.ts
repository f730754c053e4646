import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId, TrackSource } from './common.js';
import { defineRequests, request } from './feature.js';

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
 * How much video this client wants to receive, for all of the others' videos at once (low-data mode):
 * `full` — every video at the layer its display size asks for (the default); `low` — the data saver:
 * at most the lowest simulcast layer of each camera; `off` — audio only: the server forwards no video
 * to this client at all (audio keeps flowing), until it asks for `low` or `full` again, when each
 * video resumes at a key frame. Remembered by the server for this participant (also across its own
 * renegotiations); a client sends it again after reconnecting.
 */
export const VideoReceptionMode = z.enum(['full', 'low', 'off']);
export type VideoReceptionMode = z.infer<typeof VideoReceptionMode>;

export const VideoReceptionRequest = z.object({
  type: z.literal('video-reception'),
  id: RequestId,
  mode: VideoReceptionMode,
});
export type VideoReceptionRequest = z.infer<typeof VideoReceptionRequest>;

/**
 * To everyone in the meeting: who is speaking now, loudest first (empty: nobody), from the audio
 * levels of their microphones. Sent when the list changes, at most about three times a second.
 */
export const ActiveSpeakersEvent = z.object({
  type: z.literal('active-speakers'),
  participantIds: z.array(ParticipantId),
});
export type ActiveSpeakersEvent = z.infer<typeof ActiveSpeakersEvent>;

/**
 * To one subscriber only: the video `source` of `participantId` it receives is paused because its
 * own connection is too slow for even the lowest quality (the server's bandwidth estimate; audio goes
 * on), or resumed (`paused: false`). Sent only when this changes; not for what the client already
 * knows (video held back by its own `video-reception` choice).
 */
export const VideoBandwidthPauseEvent = z.object({
  type: z.literal('video-bandwidth-pause'),
  participantId: ParticipantId,
  source: TrackSource,
  paused: z.boolean(),
});
export type VideoBandwidthPauseEvent = z.infer<typeof VideoBandwidthPauseEvent>;

/**
 * To one publisher only: send only these simulcast layers of its video `source` — `active[i]` for
 * its i-th encoding (lowest first, the order of its SIM group or RIDs) — because no one in the meeting
 * takes the others now ("dynacast"; the server's PARLEY_PAUSE_UNUSED_LAYERS). Sent when the set
 * changes: a layer someone needs at once, one nobody needs after a few seconds. The lowest stays on
 * while anyone receives the video; with nobody receiving it every layer may be off. A client that
 * cannot switch encodings ignores it (and just sends what nobody takes).
 */
export const SimulcastLayersEvent = z.object({
  type: z.literal('simulcast-layers'),
  source: TrackSource,
  active: z.array(z.boolean()).min(1).max(3),
});
export type SimulcastLayersEvent = z.infer<typeof SimulcastLayersEvent>;

export const MediaQualityRequests = defineRequests({
  'video-size': request(VideoSizeRequest, EmptyResult),
  'video-reception': request(VideoReceptionRequest, EmptyResult),
});
export const MediaQualityEvents = [
  ActiveSpeakersEvent,
  VideoBandwidthPauseEvent,
  SimulcastLayersEvent,
] as const;
