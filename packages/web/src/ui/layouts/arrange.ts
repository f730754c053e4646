/** How the meeting's tiles are laid out. */
export type LayoutMode = 'grid' | 'speaker';

export interface ArrangeInput {
  /** Every participant's id in tile order, one's own first. */
  ids: readonly string[];
  selfId: string;
  hideSelf: boolean;
  mode: LayoutMode;
  pinned: string | null;
  /** Who speaks now (or spoke last), when known. */
  speaker: string | null;
  /** Shared screens on the stage right now. */
  screens: number;
}

export interface Arrangement {
  /** The participant shown large on the stage, or null (grid, or screens on the stage). */
  featured: string | null;
  /** Everyone else, in order: the grid, or the strip beside the stage. */
  rest: string[];
}

/**
 * Decides who goes where. A shared screen takes the stage and everyone's camera goes beside it; else
 * a pinned participant, else in speaker view the speaker (someone else than oneself when possible),
 * else everyone shares one grid.
 */
export function arrangeTiles(input: ArrangeInput): Arrangement {
  const visible = input.hideSelf ? input.ids.filter((id) => id !== input.selfId) : [...input.ids];
  const featured = pickFeatured(input, visible);
  return { featured, rest: visible.filter((id) => id !== featured) };
}

function pickFeatured(input: ArrangeInput, visible: readonly string[]): string | null {
  if (input.screens > 0) return null;
  if (input.pinned !== null && visible.includes(input.pinned)) return input.pinned;
  if (input.mode !== 'speaker' || visible.length < 2) return null;
  if (input.speaker !== null && visible.includes(input.speaker) && input.speaker !== input.selfId) {
    return input.speaker;
  }
  return visible.find((id) => id !== input.selfId) ?? null;
}
