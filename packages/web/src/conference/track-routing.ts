import type { ParticipantId, SubscribedTrack, TrackSource } from '@parley/protocol';

/** The tracks received from one participant, by source. */
export type ParticipantTracks<T> = Partial<Record<TrackSource, T>>;

/** A receiving transceiver as seen by the router: its m-line id and its track. */
export interface ReceiverSlot<T> {
  mid: string | null;
  track: T;
}

/**
 * Which received track belongs to which participant and source. The server's latest `tracks` list
 * (from `subscriber-offer`) ties each m-line (mid) to a participant's source; transceivers whose mid
 * is not in the list carry nothing for now, even if they still hold a track object.
 */
export function routeTracks<T>(
  list: readonly SubscribedTrack[],
  receivers: Iterable<ReceiverSlot<T>>,
): Map<ParticipantId, ParticipantTracks<T>> {
  const byMid = new Map(list.map((entry) => [entry.mid, entry]));
  const routes = new Map<ParticipantId, ParticipantTracks<T>>();
  for (const receiver of receivers) {
    if (receiver.mid === null) continue;
    const entry = byMid.get(receiver.mid);
    if (!entry) continue;
    let tracks = routes.get(entry.participantId);
    if (!tracks) {
      tracks = {};
      routes.set(entry.participantId, tracks);
    }
    tracks[entry.source] = receiver.track;
  }
  return routes;
}

/** True when both routings hand out the same tracks, so the UI need not re-render. */
export function sameRouting<T>(
  a: ReadonlyMap<ParticipantId, ParticipantTracks<T>>,
  b: ReadonlyMap<ParticipantId, ParticipantTracks<T>>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [participantId, tracksA] of a) {
    const tracksB = b.get(participantId);
    if (!tracksB) return false;
    const sources = new Set([...Object.keys(tracksA), ...Object.keys(tracksB)]) as Set<TrackSource>;
    for (const source of sources) if (tracksA[source] !== tracksB[source]) return false;
  }
  return true;
}
