import { describe, expect, it } from 'vitest';
import { emptyVp9Descriptor, type Vp9Descriptor } from '../rtp/vp9.js';
import { SvcLayerSelector, SvcVerdict } from './svc-layers.js';

/** One layer frame of an L3T3 stream as one packet (B and E set). */
function layerFrame(spatial: number, temporal: number, options: Partial<Vp9Descriptor> = {}): Vp9Descriptor {
  return {
    ...emptyVp9Descriptor(),
    spatial,
    temporal,
    layerStart: true,
    layerEnd: true,
    interPicture: true,
    interLayer: spatial > 0,
    ...options,
  };
}

/** A whole picture (three spatial layers) at `temporal`; `key` makes it a key picture. */
function picture(temporal: number, options: { key?: boolean; switchingUp?: boolean } = {}): Vp9Descriptor[] {
  return [0, 1, 2].map((spatial) =>
    layerFrame(spatial, temporal, { interPicture: !options.key, switchingUp: options.switchingUp ?? false }),
  );
}

const verdicts = (selector: SvcLayerSelector, packets: Vp9Descriptor[]) =>
  packets.map((packet) => selector.select(packet));
const { Drop, Forward, ForwardEndOfPicture: End } = SvcVerdict;

describe('SvcLayerSelector (VP9 L3T3)', () => {
  it('forwards nothing before the first key picture, then every layer up to the target', () => {
    const selector = new SvcLayerSelector(2, 2);
    expect(verdicts(selector, picture(0))).toEqual([Drop, Drop, Drop]);
    expect(selector.wantsKeyframe).toBe(true);
    expect(verdicts(selector, picture(0, { key: true }))).toEqual([Forward, Forward, End]);
    expect(verdicts(selector, picture(2))).toEqual([Forward, Forward, End]);
    expect(selector.wantsKeyframe).toBe(false);
  });

  it('drops the spatial layers above the target and marks the end of the picture on the last one kept', () => {
    const selector = new SvcLayerSelector(0, 2);
    expect(verdicts(selector, picture(0, { key: true }))).toEqual([End, Drop, Drop]);
    expect(verdicts(selector, picture(1))).toEqual([End, Drop, Drop]);
    // Multi-packet layer frames: only the packet with E gets the marker.
    const first = layerFrame(0, 0, { layerEnd: false });
    const last = layerFrame(0, 0, { layerStart: false });
    expect(verdicts(selector, [first, last])).toEqual([Forward, End]);
  });

  it('goes down at the start of the next picture, never in the middle of one', () => {
    const selector = new SvcLayerSelector(2, 2);
    selector.select(picture(0, { key: true })[0]!);
    const [base, middle, top] = picture(2);
    expect(selector.select(base!)).toBe(Forward);
    selector.setTarget(1, 2);
    expect(selector.select(middle!)).toBe(Forward);
    expect(selector.select(top!)).toBe(End); // the picture already begun keeps its layers
    expect(verdicts(selector, picture(0))).toEqual([Forward, End, Drop]);
    expect(selector.currentSpatial).toBe(1);
  });

  it('climbs spatially only at a key picture', () => {
    const selector = new SvcLayerSelector(0, 2);
    verdicts(selector, picture(0, { key: true }));
    selector.setTarget(2, 2);
    expect(verdicts(selector, picture(1))).toEqual([End, Drop, Drop]);
    expect(selector.wantsKeyframe).toBe(true);
    // An intra-only upper layer frame does not start it mid-picture (the base already carried the marker).
    const intraLayer = [layerFrame(0, 0), layerFrame(1, 0, { interPicture: false }), layerFrame(2, 0)];
    expect(verdicts(selector, intraLayer)).toEqual([End, Drop, Drop]);
    expect(verdicts(selector, picture(0, { key: true }))).toEqual([Forward, Forward, End]);
  });

  it('drops temporal layers above the target and climbs at a switching-up point', () => {
    const selector = new SvcLayerSelector(2, 0);
    verdicts(selector, picture(0, { key: true }));
    expect(verdicts(selector, picture(2))).toEqual([Drop, Drop, Drop]);
    expect(verdicts(selector, picture(1))).toEqual([Drop, Drop, Drop]);
    selector.setTarget(2, 2);
    expect(verdicts(selector, picture(2))).toEqual([Drop, Drop, Drop]); // no switching-up point
    expect(verdicts(selector, picture(1, { switchingUp: true }))).toEqual([Forward, Forward, End]);
    expect(selector.currentTemporal).toBe(1);
    expect(verdicts(selector, picture(2, { switchingUp: true }))).toEqual([Forward, Forward, End]);
    selector.setTarget(2, 0);
    expect(verdicts(selector, picture(1))).toEqual([Drop, Drop, Drop]);
    expect(verdicts(selector, picture(0))).toEqual([Forward, Forward, End]);
  });
});
