import type { ParticipantInfo, TrackSource } from '@parley/protocol';

/** Whether a participant sends `source` right now (published and not switched off). */
export function sends(participant: ParticipantInfo, source: TrackSource): boolean {
  return participant.tracks.some((track) => track.source === source && !track.muted);
}
