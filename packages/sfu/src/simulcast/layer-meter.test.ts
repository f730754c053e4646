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
