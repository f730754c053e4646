import type { EventOf, ParticipantId } from '@parley/protocol';
import type { ParticipantTracks } from './track-routing';

/**
 * Per participant, their videos the server holds back from us because our connection is too slow
 * for even the lowest quality (`video-bandwidth-pause`); their audio goes on. Shown on their tiles.
 */
export type PausedVideo = ReadonlyMap<ParticipantId, ParticipantTracks<true>>;

/** The paused videos after one `video-bandwidth-pause` event (pause or resume of one video). */
export function withBandwidthPause(
  paused: PausedVideo,
  event: EventOf<'video-bandwidth-pause'>,
): PausedVideo {
  const { participantId, source } = event;
  const before = paused.get(participantId);
  if ((before?.[source] === true) === event.paused) return paused;
  const next = new Map(paused);
  const { [source]: _, ...others } = before ?? {};
  const sources: ParticipantTracks<true> = event.paused ? { ...others, [source]: true } : others;
  if (Object.keys(sources).length > 0) next.set(participantId, sources);
  else next.delete(participantId);
  return next;
}

/** Whether that video of the participant is paused for our bandwidth now. */
export function pausedForBandwidth(
  paused: PausedVideo,
  participantId: ParticipantId,
  source: 'camera' | 'screen',
): boolean {
  return paused.get(participantId)?.[source] === true;
}
