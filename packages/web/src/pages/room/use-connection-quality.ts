import { useEffect, useState } from 'preact/hooks';
import { type Quality, qualities, type StatsSample, sampleStats } from '../../conference/connection-quality';
import type { Meeting } from '../../conference/meeting';

const INTERVAL_MS = 3000;

/** Each remote participant's connection quality, measured every few seconds from WebRTC statistics. */
export function useConnectionQuality(meeting: Meeting): ReadonlyMap<string, Quality> {
  const [result, setResult] = useState<ReadonlyMap<string, Quality>>(new Map());
  useEffect(() => {
    let previous: StatsSample | null = null;
    let live = true;
    const measure = async () => {
      const report = await meeting.receiveStats().catch(() => null);
      if (!live || !report) return;
      const sample = sampleStats(report);
      const owners = new Map<string, string>();
      for (const [participantId, tracks] of meeting.state.get().remoteTracks) {
        for (const track of Object.values(tracks)) if (track) owners.set(track.id, participantId);
      }
      if (previous) setResult(qualities(previous, sample, owners));
      previous = sample;
    };
    const timer = setInterval(() => void measure(), INTERVAL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [meeting]);
  return result;
}
