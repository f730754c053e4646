import { describe, expect, it } from 'vitest';
import { codecOfEncoding, formatParameters, VIDEO_CODEC, VIDEO_CODECS } from './video-codec.js';

const rtp = (payloadType: number, payload: readonly number[]) =>
  Buffer.from([0x80, payloadType, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, ...payload]);

describe('video codecs the SFU forwards', () => {
  it('gives each codec and its RTX payload types of their own (bundled m-lines must not share one)', () => {
    const types = VIDEO_CODECS.flatMap((name) => [
      VIDEO_CODEC[name].payloadType,
      VIDEO_CODEC[name].rtxPayloadType,
    ]);
    expect(new Set(types).size).toBe(types.length);
    // Opus (111), RED (63) and the dynamic range.
    for (const type of types) {
      expect(type).toBeGreaterThanOrEqual(35);
      expect(type).toBeLessThanOrEqual(127);
      expect([111, 63]).not.toContain(type);
    }
  });

  it('finds a codec by its rtpmap encoding in any case', () => {
    expect(codecOfEncoding('H264/90000')?.name).toBe('h264');
    expect(codecOfEncoding(' vp9/90000')?.name).toBe('vp9');
    expect(codecOfEncoding('AV1/90000')?.name).toBe('av1');
    expect(codecOfEncoding('H265/90000')).toBeUndefined();
    expect(codecOfEncoding('vp8/48000')).toBeUndefined();
  });

  it('accepts the formats every subscriber can be offered as they are', () => {
    const { h264, vp9, av1, vp8 } = VIDEO_CODEC;
    expect(
      h264.acceptsParameters('level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'),
    ).toBe(true);
    expect(h264.acceptsParameters('packetization-mode=0;profile-level-id=42e01f')).toBe(false);
    expect(h264.acceptsParameters('')).toBe(false); // mode 0 is the default
    expect(vp9.acceptsParameters('profile-id=0')).toBe(true);
    expect(vp9.acceptsParameters('')).toBe(true);
    expect(vp9.acceptsParameters('profile-id=2')).toBe(false);
    expect(av1.acceptsParameters('level-idx=5;profile=0;tier=0')).toBe(true);
    expect(av1.acceptsParameters('profile=1')).toBe(false);
    expect(vp8.acceptsParameters('max-fs=12288')).toBe(true);
    expect(formatParameters(' A=1; b = two ;;c')).toEqual(
      new Map([
        ['a', '1'],
        ['b', 'two'],
        ['c', ''],
      ]),
    );
  });

  it('tells key frames apart for each codec', () => {
    const { vp8, vp9, h264, av1 } = VIDEO_CODEC;
    expect(vp8.isKeyframeStart(rtp(96, [0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]))).toBe(true);
    expect(vp9.isKeyframeStart(rtp(98, [0x8c, 0x05]))).toBe(true); // I, B, E; P = 0
    expect(vp9.isKeyframeStart(rtp(98, [0xcc, 0x05]))).toBe(false); // P = 1
    expect(h264.isKeyframeStart(rtp(102, [0x65, 0x88]))).toBe(true);
    expect(av1.isKeyframeStart(rtp(45, [0x18, 0x0a]))).toBe(true); // N = 1: a new coded video sequence
    expect(av1.isKeyframeStart(rtp(45, [0x10, 0x32]))).toBe(false);
  });

  it('locates the picture id of VP8 and VP9 and reports none for H.264 and AV1', () => {
    const out = new Int32Array(2);
    VIDEO_CODEC.vp9.locatePictureFields(rtp(98, [0xa8, 0x85, 0x01, 0x00, 0x07]), out);
    expect([...out]).toEqual([13, 16]);
    VIDEO_CODEC.h264.locatePictureFields(rtp(102, [0x65]), out);
    expect([...out]).toEqual([-1, -1]);
    VIDEO_CODEC.av1.locatePictureFields(rtp(45, [0x18]), out);
    expect([...out]).toEqual([-1, -1]);
  });
});
