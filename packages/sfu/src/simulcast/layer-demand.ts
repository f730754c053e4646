// Privacy: keeps nothing personal (layer bit masks and times).

import { MAX_LAYERS, type SimulcastLayers } from './layer-meter.js';

/**
 * A layer no subscriber has needed for this long is paused at the publisher (ms); one needed is
 * resumed at once. The wait keeps a tile resize or a wobble of a subscriber's bandwidth from
 * switching the publisher's encoder on and off.
 */
export const LAYER_PAUSE_AFTER_MS = 3000;

const ALL_LAYERS = (1 << MAX_LAYERS) - 1;

/**
 * Which simulcast layers of one published video the publisher should send ("dynacast"): those some
 * subscriber would take if all arrived (LayerSelector.neededRank), and the lowest while anyone
 * takes the video at all — a cheap, fast fallback when a subscriber's bandwidth drops. With no taker
 * (nobody subscribed, or every subscriber audio-only, paused by last-N or declining), none.
 * Encoding a layer nobody takes costs the publisher CPU and uplink and the SFU its receive path.
 */
export class LayerDemand {
  /** Bit n set while layer n (the publisher's order) is asked for; all until the first change. */
  private active = ALL_LAYERS;
  /** When each layer (publisher's order) was last needed, ms; NaN before the first update. */
  private readonly neededAt: number[] = Array.from({ length: MAX_LAYERS }, () => Number.NaN);

  /**
   * Take the subscribers' needed ranks (rank 0: the smallest picture; -1: takes no video now), at the
   * room's clock. Marks the layers asked to pause in `layers.paused`. Returns whether the layers asked
   * for changed (then tell the publisher: `flags`).
   */
  update(ranks: readonly number[], layers: SimulcastLayers, layerCount: number, now: number): boolean {
    const { order } = layers;
    const top = Math.min(layerCount, order.length) - 1;
    let needed = 0;
    for (const rank of ranks) {
      if (rank < 0) continue;
      needed |= (1 << order[0]!) | (1 << order[Math.min(rank, top)]!);
    }
    let active = 0;
    for (let layer = 0; layer < layerCount; layer++) {
      if ((needed & (1 << layer)) !== 0 || Number.isNaN(this.neededAt[layer]!)) this.neededAt[layer] = now;
      if (now - this.neededAt[layer]! < LAYER_PAUSE_AFTER_MS) active |= 1 << layer;
    }
    const all = (1 << layerCount) - 1;
    layers.paused = all & ~active;
    if (active === (this.active & all)) return false;
    this.active = active;
    return true;
  }

  /** The layers asked for, in the publisher's order (SIM group or RIDs, lowest first by convention). */
  flags(layerCount: number): boolean[] {
    return Array.from({ length: layerCount }, (_, layer) => (this.active & (1 << layer)) !== 0);
  }
}
