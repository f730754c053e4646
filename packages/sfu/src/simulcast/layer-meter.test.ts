import { describe, expect, it } from 'vitest';
import { SimulcastLayers } from './layer-meter.js';

/** Count `bytes` on each layer (by index), then close an interval of one second. */
function interval(layers: SimulcastLayers, bytes: number[]): boolean {
  bytes.forEach((count, layer) => {
    layers.layers[layer]!.bytes += count;
  });
  return layers.measure(1);
}

describe('SimulcastLayers (layer metering)', () => {
  it('takes the first measurement as it is, then smooths the bitrate', () => {
    const layers = new SimulcastLayers();
    layers.resize(3);
    interval(layers, [1000, 0, 0]);
    expect(layers.layers[0]!.bitrate).toBe(8000);
    interval(layers, [2000, 0, 0]);
    expect(layers.layers[0]!.bitrate).toBeCloseTo(8000 + 0.2 * 8000);
    expect(layers.layers[0]!.bytes).toBe(0);
  });

  it('counts a layer back from a pause at its bitrate from before for about 3 s, then as measured', () => {
    const layers = new SimulcastLayers();
    layers.resize(3);
    interval(layers, [1000, 40_000, 0]); // 320 kbit/s on the middle layer
    interval(layers, [1000, 0, 0]);
    interval(layers, [1000, 0, 0]);
    expect(layers.layers[1]!.bitrate).toBe(0);
    expect(layers.expectedBitrate(1)).toBe(320_000);
    // Back, but the encoder starts it low: still 320 kbit/s for ten intervals, then the smoothed truth.
    for (let i = 0; i < 10; i++) {
      interval(layers, [1000, 7500, 0]);
      expect(layers.layers[1]!.bitrate).toBe(320_000);
    }
    interval(layers, [1000, 7500, 0]);
    expect(layers.layers[1]!.bitrate).toBeCloseTo(320_000 + 0.2 * (60_000 - 320_000));
  });

  it('counts a paused layer at least at twice the layer below, whatever its first second read', () => {
    const layers = new SimulcastLayers();
    layers.resize(3);
    interval(layers, [20_000, 5000, 90_000]); // 160 / 40 (an encoder starting) / 720 kbit/s
    interval(layers, [20_000, 0, 90_000]);
    expect(layers.expectedBitrate(1)).toBe(2 * 160_000);
    // Back: counted at that for about 3 s, however low it starts.
    interval(layers, [20_000, 2500, 90_000]);
    expect(layers.layers[1]!.bitrate).toBe(2 * 160_000);
  });

  it('assumes every layer is sent until measured, then those that carried packets in the last three intervals', () => {
    const layers = new SimulcastLayers();
    layers.resize(3);
    expect([0, 1, 2].map((layer) => layers.isSent(layer))).toEqual([true, true, true]);
    interval(layers, [500, 500, 0]);
    expect([0, 1, 2].map((layer) => layers.isSent(layer))).toEqual([true, true, false]);
    interval(layers, [500, 0, 0]);
    interval(layers, [500, 0, 0]);
    expect(layers.isSent(1)).toBe(true); // a brief pause of the encoder
    interval(layers, [500, 0, 0]);
    expect(layers.isSent(1)).toBe(false);
  });

  it('says when the set of active layers changes (and at the first measurement)', () => {
    const layers = new SimulcastLayers();
    layers.resize(3);
    expect(interval(layers, [500, 500, 500])).toBe(true);
    expect(layers.active).toBe(0b111);
    expect(interval(layers, [500, 500, 500])).toBe(false);
    expect(interval(layers, [500, 0, 500])).toBe(true);
    expect(layers.active).toBe(0b101);
  });

  it('orders the layers by the heights of their key frames, SIM order until known', () => {
    const layers = new SimulcastLayers();
    layers.resize(3);
    interval(layers, [1, 1, 1]);
    expect(layers.order).toEqual([0, 1, 2]);
    layers.layers[0]!.height = 720;
    layers.layers[1]!.height = 360;
    layers.layers[2]!.height = 180;
    interval(layers, [1, 1, 1]);
    expect(layers.order).toEqual([2, 1, 0]);
    layers.resize(2); // other layers announced: the order starts over
    expect(layers.order).toEqual([0, 1]);
  });
});
