import { describe, expect, it } from 'vitest';
import { SimulcastLayers } from './layer-meter.js';
import { LayerSelector } from './layer-selector.js';

/** Three layers sending 150/500/1500 kbit/s at 180/360/720 lines, measured once. */
function measuredLayers(): SimulcastLayers {
  const layers = new SimulcastLayers();
  layers.resize(3);
  [150_000, 500_000, 1_500_000].forEach((bitrate, layer) => {
    layers.layers[layer]!.bytes = bitrate / 8;
    layers.layers[layer]!.height = 180 * 2 ** layer;
  });
  layers.measure(1);
  return layers;
}

describe('LayerSelector (simulcast layer for one subscriber)', () => {
  it('gives the best layer sent until the display size is known, then the one the size needs', () => {
    const selector = new LayerSelector(measuredLayers());
    expect(selector.choose(3, -1, false, 0)).toBe(2);
    selector.setDisplaySize(300, 3);
    expect(selector.choose(3, 2, false, 0)).toBe(1);
    expect(selector.setCap(0)).toBe(true);
    expect(selector.choose(3, 1, false, 0)).toBe(0);
  });

  it('with a fresh transport-cc estimate: the largest layer that fits, pausing when none does for a while', () => {
    const selector = new LayerSelector(measuredLayers());
    selector.setEstimatedBudget(600_000);
    expect(selector.choose(3, -1, true, 0)).toBe(1);
    selector.setEstimatedBudget(50_000);
    expect(selector.choose(3, 1, true, 100)).toBe(0);
    expect(selector.pausedForBandwidth).toBe(false);
    selector.choose(3, 1, true, 1200);
    expect(selector.pausedForBandwidth).toBe(true);
    selector.setEstimatedBudget(200_000);
    selector.choose(3, 0, true, 1300);
    expect(selector.pausedForBandwidth).toBe(false);
  });

  it('wants the next layer up: how much more than its budget it needs', () => {
    const selector = new LayerSelector(measuredLayers());
    selector.setEstimatedBudget(600_000);
    expect(selector.wantedExtra(3, 1)).toBeCloseTo(1_500_000 * 1.15 - 600_000);
    expect(selector.wantedExtra(3, 2)).toBe(0);
  });

  it('keeps the layer it forwards through one overuse’s dip (0.85 × what arrived), not through a second', () => {
    const selector = new LayerSelector(measuredLayers());
    selector.setEstimatedBudget(2_000_000);
    expect(selector.choose(3, -1, true, 0)).toBe(2);
    selector.setEstimatedBudget(0.85 * 1_500_000);
    expect(selector.choose(3, 2, true, 100)).toBe(2);
    selector.setEstimatedBudget(0.85 * 0.85 * 1_500_000);
    expect(selector.choose(3, 2, true, 600)).toBe(1);
    // A layer it does not forward yet must fit whole.
    selector.setEstimatedBudget(0.85 * 1_500_000);
    expect(selector.choose(3, -1, true, 700)).toBe(1);
  });

  it('holds a step up until the new layer is forwarded (its key frame may take a while), while it fits', () => {
    const selector = new LayerSelector(measuredLayers());
    selector.setEstimatedBudget(200_000);
    expect(selector.choose(3, -1, true, 0)).toBe(0);
    // The budget covers 1.15 × the 360p layer: one layer up after a second.
    selector.setEstimatedBudget(600_000);
    expect(selector.choose(3, 0, true, 100)).toBe(0);
    expect(selector.choose(3, 0, true, 1100)).toBe(1);
    // Asked again (the same feedback on another track, the next feedback) before the key frame came:
    // still up, not back to 180p (that took every step up back and the video stayed on 180p).
    expect(selector.choose(3, 0, true, 1100)).toBe(1);
    expect(selector.choose(3, 0, true, 1150)).toBe(1);
    // Forwarded: nothing pending any more.
    expect(selector.choose(3, 1, true, 1200)).toBe(1);
    // A pending step that no longer fits is given up at once.
    selector.setEstimatedBudget(1_800_000);
    expect(selector.choose(3, 1, true, 1300)).toBe(1);
    expect(selector.choose(3, 1, true, 2300)).toBe(2);
    selector.setEstimatedBudget(600_000);
    expect(selector.choose(3, 1, true, 2350)).toBe(1);
  });

  it('steps up only onto what the path has carried: the estimate’s headroom alone asks for a probe', () => {
    const selector = new LayerSelector(measuredLayers());
    selector.setEstimatedBudget(200_000, 200_000);
    expect(selector.choose(3, -1, true, 0)).toBe(0);
    // The estimate crept to cover 1.15 × the 360p layer, but only 180 kbit/s went through: no step,
    // however long; the extra wanted is counted from what went through, for a probe that shows it.
    selector.setEstimatedBudget(600_000, 180_000);
    for (const now of [100, 1100, 2100, 5000]) expect(selector.choose(3, 0, true, now)).toBe(0);
    expect(selector.wantedExtra(3, 0)).toBeCloseTo(500_000 * 1.15 - 180_000);
    expect(selector.neededRank).toBe(0);
    // A probe got 600 kbit/s through: the layer it was for comes a second later.
    selector.setEstimatedBudget(600_000, 600_000);
    expect(selector.neededRank).toBe(0);
    expect(selector.choose(3, 0, true, 5100)).toBe(0);
    expect(selector.neededRank).toBe(1);
    expect(selector.choose(3, 0, true, 6100)).toBe(1);
    // Down needs no proof: a layer that no longer fits the estimate is left at once.
    selector.setEstimatedBudget(300_000, 600_000);
    expect(selector.choose(3, 1, true, 6200)).toBe(0);
  });
});
