import type { LobbyEntry } from '@parley/protocol';

/**
 * The people who started knocking since the last lobby update (the server always sends the whole
 * queue). Moderators are told about these, once each.
 */
export function newArrivals(previous: readonly LobbyEntry[], next: readonly LobbyEntry[]): LobbyEntry[] {
  const known = new Set(previous.map((entry) => entry.id));
  return next.filter((entry) => !known.has(entry.id));
}
