import { describe, expect, it } from 'vitest';
import { layerForSize } from './layer-choice.js';

/** `sent` for the ranks listed. */
const sending =
  (...ranks: number[]) =>
  (rank: number) =>
    ranks.includes(rank);

describe('layerForSize (simulcast layer for a display size)', () => {
  it('gives the wanted layer when it is sent, capped at the top layer', () => {
    expect(layerForSize(1, 2, sending(0, 1, 2))).toBe(1);
    expect(layerForSize(0, 2, sending(0, 1, 2))).toBe(0);
    expect(layerForSize(5, 2, sending(0, 1, 2))).toBe(2);
  });

  it('steps down to the largest sent layer below the wanted one', () => {
    expect(layerForSize(2, 2, sending(0, 1))).toBe(1);
    expect(layerForSize(2, 2, sending(0))).toBe(0);
  });

  it('takes the smallest larger layer when none at or below the wanted one is sent', () => {
    expect(layerForSize(0, 2, sending(1, 2))).toBe(1);
    expect(layerForSize(1, 2, sending(2))).toBe(2);
  });

  it('falls to the lowest rank when the publisher sends no layer', () => {
    expect(layerForSize(1, 2, sending())).toBe(0);
    expect(layerForSize(3, 0, sending())).toBe(0);
  });
});
