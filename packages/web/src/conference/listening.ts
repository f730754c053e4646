import { Store } from '../state/store';

/**
 * How loud each other participant is played on this device: a volume from 0 to 100 and a "mute for
 * me" switch, by participant id. Nobody else learns of it (the server keeps forwarding their audio;
 * a moderator's mute is another thing). Kept for the meeting in sessionStorage (`parley.listening`),
 * so a reload of the tab keeps it; participant ids are random per meeting, so it means nothing later.
 */
export interface Listening {
  /** 0–100; 100 is the level the person arrives at. */
  volume: number;
  mutedForMe: boolean;
}

export const LISTENING_KEY = 'parley.listening';
export const DEFAULT_LISTENING: Listening = { volume: 100, mutedForMe: false };
/** At most this many people are remembered (the oldest are dropped). */
const MAX_REMEMBERED = 200;

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

function clampVolume(value: unknown): number {
  const number = typeof value === 'number' && Number.isFinite(value) ? value : 100;
  return Math.min(100, Math.max(0, Math.round(number)));
}

/** The remembered settings, skipping anything malformed. */
export function loadListening(from: Storage | null = storage()): ReadonlyMap<string, Listening> {
  const result = new Map<string, Listening>();
  let saved: unknown = null;
  try {
    saved = JSON.parse(from?.getItem(LISTENING_KEY) ?? 'null');
  } catch {
    return result;
  }
  if (!Array.isArray(saved)) return result;
  for (const entry of saved.slice(-MAX_REMEMBERED)) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[0].length > 64) continue;
    const value =
      typeof entry[1] === 'object' && entry[1] !== null ? (entry[1] as Record<string, unknown>) : {};
    result.set(entry[0], { volume: clampVolume(value.volume), mutedForMe: value.mutedForMe === true });
  }
  return result;
}

/** Per-participant playback on this device. */
export const listening = new Store<ReadonlyMap<string, Listening>>(loadListening());

export function listeningTo(participantId: string): Listening {
  return listening.get().get(participantId) ?? DEFAULT_LISTENING;
}

/** Change how one participant is played here, and remember it for the meeting. */
export function setListening(participantId: string, change: Partial<Listening>): void {
  const current = listeningTo(participantId);
  const next: Listening = {
    volume: change.volume === undefined ? current.volume : clampVolume(change.volume),
    mutedForMe: change.mutedForMe ?? current.mutedForMe,
  };
  const map = new Map(listening.get());
  map.delete(participantId);
  map.set(participantId, next);
  while (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as string);
  listening.set(map);
  try {
    storage()?.setItem(LISTENING_KEY, JSON.stringify([...map]));
  } catch {
    // full or disabled: it holds until the page is closed
  }
}

/** The element volume (0–1) for a setting. */
export function playbackVolume(setting: Listening): number {
  return setting.mutedForMe ? 0 : setting.volume / 100;
}
