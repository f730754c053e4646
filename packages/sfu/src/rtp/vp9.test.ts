import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyVp9Descriptor, isVp9KeyframeStart, readVp9Descriptor } from './vp9.js';

function rtp(payload: readonly number[]): Buffer {
  return Buffer.from([0x80, 98, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, ...payload]);
}

describe('VP9 payload descriptor (RFC 9628)', () => {
  it('reads the picture id, layer indices and TL0PICIDX of a non-flexible SVC packet', () => {
    // I, P, L, B set; 15-bit picture id 0x1234; TID 2, U, SID 1, D; TL0PICIDX 7.
    const packet = rtp([0xe8, 0x92, 0x34, (2 << 5) | 0x10 | (1 << 1) | 1, 7, 0xaa]);
    const out = emptyVp9Descriptor();
    expect(readVp9Descriptor(packet, out)).toBe(true);
    expect(out).toMatchObject({
      pictureIdAt: 13,
      tl0PicIdxAt: 16,
      temporal: 2,
      spatial: 1,
      switchingUp: true,
      interLayer: true,
      interPicture: true,
      layerStart: true,
      layerEnd: false,
    });
    expect(isVp9KeyframeStart(packet, out)).toBe(false);
  });

  it('recognizes a key picture and reads the layer sizes from its scalability structure', () => {
    // I, L, B, E, V; 7-bit picture id 5; TID 0 SID 0; TL0PICIDX 0; SS: N_S = 2 (three layers), Y.
    const sizes = [320, 180, 640, 360, 1280, 720].flatMap((value) => [value >> 8, value & 0xff]);
    const packet = rtp([0xae, 0x05, 0x00, 0x00, (2 << 5) | 0x10, ...sizes, 0x00]);
    const out = emptyVp9Descriptor();
    expect(isVp9KeyframeStart(packet, out)).toBe(true);
    expect(out.layerHeights).toEqual([180, 360, 720]);
    expect(out.height).toBe(720);
    // The same picture's upper layer (SID 1) does not start a key frame.
    expect(isVp9KeyframeStart(rtp([0xa8, 0x05, 0x02, 0x00]), out)).toBe(false);
  });

  it('skips flexible-mode reference indices', () => {
    // I, P, L, F, B: picture id, layers (no TL0PICIDX in flexible mode), two P_DIFFs (N on the first).
    const out = emptyVp9Descriptor();
    expect(readVp9Descriptor(rtp([0xf8, 0x01, 0x20, 0x03, 0x02, 0xbb]), out)).toBe(true);
    expect(out.tl0PicIdxAt).toBe(-1);
    expect(out.temporal).toBe(1);
    expect(readVp9Descriptor(rtp([0xf8, 0x01, 0x20, 0x03]), out)).toBe(false); // truncated P_DIFFs
  });

  it('rejects truncated descriptors', () => {
    const out = emptyVp9Descriptor();
    expect(readVp9Descriptor(rtp([]), out)).toBe(false);
    expect(readVp9Descriptor(rtp([0x80]), out)).toBe(false);
    expect(readVp9Descriptor(rtp([0x20]), out)).toBe(false);
    expect(readVp9Descriptor(rtp([0x02, 0x50, 0, 1]), out)).toBe(false); // SS announces sizes it lacks
  });

  it('never throws and keeps offsets inside the packet on arbitrary payloads', () => {
    const out = emptyVp9Descriptor();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        const packet = rtp([...bytes]);
        if (readVp9Descriptor(packet, out)) {
          expect(out.pictureIdAt).toBeLessThan(packet.length);
          expect(out.tl0PicIdxAt).toBeLessThan(packet.length);
          expect(out.layerHeights.length).toBeLessThanOrEqual(8);
        }
      }),
      { numRuns: 500 },
    );
  });
});
