import { describe, expect, it } from 'vitest';
import { locateVp8Descriptor, readVp8PictureId, vp8KeyframeHeight, writeVp8PictureId } from './rtp.js';

/**
 * The VP8 payload descriptor fields a subscription rewrites when it switches simulcast layer
 * (RFC 7741 §4.2: picture id, TL0PICIDX), so the receiver sees one continuous stream.
 */

/** An RTP packet (no extension) whose VP8 payload starts with `descriptor`, then `rest`. */
function vp8(descriptor: number[], rest: number[] = [0x00]): Buffer {
  return Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11, ...descriptor, ...rest]);
}

const located = (packet: Buffer) => {
  const out = new Int32Array(2);
  locateVp8Descriptor(packet, out);
  return [...out];
};

describe('VP8 descriptor rewriting', () => {
  it('locates a 15-bit picture id and TL0PICIDX, and rewrites the id in place keeping its width', () => {
    // X=1, S=1; I=1 L=1; M=1 picture id 0x1234; TL0PICIDX 7.
    const packet = vp8([0x90, 0xc0, 0x80 | 0x12, 0x34, 7]);
    expect(located(packet)).toEqual([14, 16]);
    expect(readVp8PictureId(packet, 14)).toBe(0x1234);
    writeVp8PictureId(packet, 14, 0x7ffe);
    expect(readVp8PictureId(packet, 14)).toBe(0x7ffe);
    expect(packet[14]! & 0x80).toBe(0x80); // still 15 bits
    expect(packet[16]).toBe(7); // TL0PICIDX untouched
  });

  it('keeps a 7-bit picture id 7 bits wide (wrapping the value), not overwriting the next field', () => {
    const packet = vp8([0x90, 0xc0, 0x05, 9]);
    expect(located(packet)).toEqual([14, 15]);
    writeVp8PictureId(packet, 14, 0x83);
    expect(readVp8PictureId(packet, 14)).toBe(0x03);
    expect(packet[15]).toBe(9);
  });

  it('finds nothing to rewrite without the extension, or in a truncated descriptor', () => {
    expect(located(vp8([0x10]))).toEqual([-1, -1]);
    expect(located(vp8([0x90], []))).toEqual([-1, -1]);
    expect(located(vp8([0x90, 0x80, 0x80], []))).toEqual([-1, -1]); // 15-bit id cut short
  });

  it('reads the height of a key frame behind the descriptor (a layer switch waits for one)', () => {
    // Frame tag (key frame: bit 0 clear), start code, width 320, height 180.
    const keyframe = vp8([0x90, 0x80, 0x80, 0x01], [0x00, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00]);
    expect(vp8KeyframeHeight(keyframe)).toBe(180);
    const delta = vp8([0x90, 0x80, 0x80, 0x01], [0x01, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00]);
    expect(vp8KeyframeHeight(delta)).toBe(0);
  });
});
