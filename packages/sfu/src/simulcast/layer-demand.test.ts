import { describe, expect, it } from 'vitest';
import { LAYER_PAUSE_AFTER_MS, LayerDemand } from './layer-demand.js';
import { SimulcastLayers } from './layer-meter.js';
import { LayerSelector } from './layer-selector.js';

const BITRATES = [150_000, 500_000, 1_500_000];

/** Three layers at 180/360/720 lines; `sent[i]` false: layer i carried nothing in this interval. */
function measure(layers: SimulcastLayers, sent = [true, true, true]): void {
  BITRATES.forEach((bitrate, layer) => {
    layers.layers[layer]!.bytes = sent[layer] ? bitrate / 8 : 0;
    layers.layers[layer]!.height = 180 * 2 ** layer;
  });
  layers.measure(1);
}

function measuredLayers(): SimulcastLayers {
  const layers = new SimulcastLayers();
  layers.resize(3);
  measure(layers);
  return layers;
}

describe('LayerDemand (which simulcast layers the publisher is asked to send)', () => {
  it('one subscriber on the top layer: the middle one pauses only after it was unneeded for a while', () => {
    const layers = measuredLayers();
    const demand = new LayerDemand();
    expect(demand.update([2], layers, 3, 0)).toBe(false);
    expect(demand.update([2], layers, 3, LAYER_PAUSE_AFTER_MS - 1)).toBe(false);
    expect(demand.flags(3)).toEqual([true, true, true]);
    expect(demand.update([2], layers, 3, LAYER_PAUSE_AFTER_MS)).toBe(true);
    // The lowest stays on while anyone takes the video: a fast fallback.
    expect(demand.flags(3)).toEqual([true, false, true]);
    expect(layers.paused).toBe(0b010);
    expect(demand.update([2], layers, 3, LAYER_PAUSE_AFTER_MS + 300)).toBe(false);
  });

  it('resumes a layer at once when a subscriber needs it (a small tile)', () => {
    const layers = measuredLayers();
    const demand = new LayerDemand();
    demand.update([2], layers, 3, 0);
    demand.update([2], layers, 3, 5000);
    expect(demand.flags(3)).toEqual([true, false, true]);
    expect(demand.update([2, 1], layers, 3, 5300)).toBe(true);
    expect(demand.flags(3)).toEqual([true, true, true]);
    expect(layers.paused).toBe(0);
  });

  it('a tile resized back and forth within the wait does not flap the encoder', () => {
    const layers = measuredLayers();
    const demand = new LayerDemand();
    const changes: boolean[][] = [];
    for (let now = 0; now < 10_000; now += 300) {
      const rank = Math.floor(now / 1200) % 2 === 0 ? 1 : 2; // the tile changes every 1.2 s
      if (demand.update([rank], layers, 3, now)) changes.push(demand.flags(3));
    }
    expect(changes).toEqual([]);
  });

  it('pauses every layer when nobody takes the video, and brings the lowest back for a subscriber', () => {
    const layers = measuredLayers();
    const demand = new LayerDemand();
    demand.update([], layers, 3, 0);
    expect(demand.update([], layers, 3, LAYER_PAUSE_AFTER_MS)).toBe(true);
    expect(demand.flags(3)).toEqual([false, false, false]);
    // Audio-only, last-N and declined subscribers take none (-1).
    expect(demand.update([-1, -1], layers, 3, 4000)).toBe(false);
    // A subscriber whose bandwidth fits only the lowest layer.
    expect(demand.update([-1, 0], layers, 3, 4300)).toBe(true);
    expect(demand.flags(3)).toEqual([true, false, false]);
  });

  it('maps ranks to the publisher’s own layer order (a browser may put its full resolution first)', () => {
    const layers = new SimulcastLayers();
    layers.resize(3);
    BITRATES.forEach((bitrate, rank) => {
      const layer = 2 - rank;
      layers.layers[layer]!.bytes = bitrate / 8;
      layers.layers[layer]!.height = 180 * 2 ** rank;
    });
    layers.measure(1);
    expect(layers.order).toEqual([2, 1, 0]);
    const demand = new LayerDemand();
    demand.update([2], layers, 3, 0);
    demand.update([2], layers, 3, LAYER_PAUSE_AFTER_MS);
    expect(demand.flags(3)).toEqual([true, false, true]);
    demand.update([1], layers, 3, 2 * LAYER_PAUSE_AFTER_MS + 1);
    expect(demand.flags(3)).toEqual([false, true, true]);
  });
});

describe('LayerSelector.neededRank (the layer a subscriber would take if every layer arrived)', () => {
  it('follows the display size and the cap', () => {
    const selector = new LayerSelector(measuredLayers());
    selector.choose(3, -1, false, 0);
    expect(selector.neededRank).toBe(2);
    selector.setDisplaySize(300, 3);
    selector.choose(3, 2, false, 100);
    expect(selector.neededRank).toBe(1);
    selector.setCap(0);
    selector.choose(3, 1, false, 200);
    expect(selector.neededRank).toBe(0);
  });

  it('on the transport-cc estimate: the largest layer the budget fits, by its last bitrate while paused', () => {
    const layers = measuredLayers();
    const selector = new LayerSelector(layers);
    selector.setEstimatedBudget(600_000);
    selector.choose(3, -1, true, 0);
    expect(selector.neededRank).toBe(1);
    // The top layer paused at the publisher: its bitrate is 0 now, its last one still counts.
    layers.paused = 0b100;
    measure(layers, [true, true, false]);
    expect(layers.layers[2]!.bitrate).toBe(0);
    selector.choose(3, 1, true, 300);
    expect(selector.neededRank).toBe(1);
    // The estimate grew past it (a probe): needed again.
    selector.setEstimatedBudget(2_000_000);
    selector.choose(3, 1, true, 600);
    expect(selector.neededRank).toBe(2);
  });

  it('paused for bandwidth: needs the lowest layer (to resume on it)', () => {
    const selector = new LayerSelector(measuredLayers());
    selector.setEstimatedBudget(20_000);
    selector.choose(3, 0, true, 0);
    selector.choose(3, 0, true, 1100);
    expect(selector.pausedForBandwidth).toBe(true);
    selector.choose(3, -1, true, 1400);
    expect(selector.neededRank).toBe(0);
  });

  it('still probes for a layer paused at the publisher that it would take once its estimate allows', () => {
    const layers = measuredLayers();
    const selector = new LayerSelector(layers);
    selector.setEstimatedBudget(300_000);
    layers.paused = 0b110;
    measure(layers, [true, false, false]);
    measure(layers, [true, false, false]);
    measure(layers, [true, false, false]);
    expect(layers.isSent(1)).toBe(false);
    expect(selector.wantedExtra(3, 0)).toBeCloseTo(500_000 * 1.15 - 300_000);
  });
});

describe('LayerSelector with a layer that stops arriving', () => {
  it('never waits for a paused layer: it moves to one sent within three intervals, and back once resumed', () => {
    const layers = measuredLayers();
    const selector = new LayerSelector(layers);
    selector.setDisplaySize(360, 3);
    expect(selector.choose(3, -1, false, 0)).toBe(1);
    measure(layers, [true, false, true]);
    measure(layers, [true, false, true]);
    expect(selector.choose(3, 1, false, 600)).toBe(1);
    measure(layers, [true, false, true]);
    // Nothing of the middle layer for three intervals: the closest sent one below it.
    expect(selector.choose(3, 1, false, 900)).toBe(0);
    // Resumed: chosen again as soon as it arrives.
    measure(layers, [true, true, true]);
    expect(selector.choose(3, 0, false, 1200)).toBe(1);
  });
});
