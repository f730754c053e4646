import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { h264KeyframeHeight, isH264KeyframeStart, readSpsSize } from './h264.js';

/** An RTP header (V=2, PT 102) followed by `payload`. */
function rtp(payload: readonly number[]): Buffer {
  return Buffer.from([0x80, 102, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, ...payload]);
}

/** Writes an H.264 RBSP bit by bit, with emulation prevention, to build test parameter sets. */
class BitWriter {
  private readonly bits: number[] = [];
  u(count: number, value: number): this {
    for (let bit = count - 1; bit >= 0; bit--) this.bits.push(Math.floor(value / 2 ** bit) % 2);
    return this;
  }
  ue(value: number): this {
    const code = value + 1;
    const length = Math.floor(Math.log2(code));
    return this.u(length, 0).u(length + 1, code);
  }
  bytes(): number[] {
    const bits = [...this.bits, 1]; // rbsp_stop_one_bit
    while (bits.length % 8) bits.push(0);
    const raw: number[] = [];
    for (let at = 0; at < bits.length; at += 8) raw.push(Number.parseInt(bits.slice(at, at + 8).join(''), 2));
    const escaped: number[] = [];
    let zeros = 0;
    for (const byte of raw) {
      if (zeros >= 2 && byte <= 3) {
        escaped.push(3);
        zeros = 0;
      }
      escaped.push(byte);
      zeros = byte === 0 ? zeros + 1 : 0;
    }
    return escaped;
  }
}

/** A constrained-baseline SPS (as Chromium's encoder writes) for a width × height picture. */
function baselineSps(width: number, height: number): number[] {
  const widthMbs = Math.ceil(width / 16);
  const heightMbs = Math.ceil(height / 16);
  const writer = new BitWriter()
    .u(8, 66) // profile_idc: baseline
    .u(8, 0xc0) // constraint_set0/1
    .u(8, 31) // level 3.1
    .ue(0) // seq_parameter_set_id
    .ue(0) // log2_max_frame_num_minus4
    .ue(2) // pic_order_cnt_type
    .ue(1) // max_num_ref_frames
    .u(1, 0)
    .ue(widthMbs - 1)
    .ue(heightMbs - 1)
    .u(1, 1) // frame_mbs_only_flag
    .u(1, 1); // direct_8x8_inference_flag
  const cropRight = widthMbs * 16 - width;
  const cropBottom = heightMbs * 16 - height;
  if (cropRight || cropBottom)
    writer
      .u(1, 1)
      .ue(0)
      .ue(cropRight / 2)
      .ue(0)
      .ue(cropBottom / 2);
  else writer.u(1, 0);
  return [0x67, ...writer.u(1, 0).bytes()];
}

/** A high-profile SPS with a scaling matrix and pic_order_cnt_type 1, to walk the rarer branches. */
function highSps(width: number, height: number): number[] {
  const writer = new BitWriter().u(8, 100).u(8, 0).u(8, 40).ue(0);
  writer.ue(1).ue(0).ue(0).u(1, 0); // chroma 4:2:0, 8-bit, no bypass
  writer.u(1, 1); // seq_scaling_matrix_present_flag
  writer.u(1, 1); // list 0 present: its 16 delta_scale values (se 7 → +4, then 0s) follow its flag
  for (let index = 0; index < 16; index++) writer.ue(index === 0 ? 7 : 0);
  for (let list = 1; list < 8; list++) writer.u(1, 0);
  writer.ue(0).ue(1).u(1, 0).ue(2).ue(3).ue(2).ue(0).ue(1); // poc type 1 with a cycle of 2
  writer.ue(4).u(1, 0); // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  writer
    .ue(width / 16 - 1)
    .ue(height / 16 - 1)
    .u(1, 1)
    .u(1, 1)
    .u(1, 0)
    .u(1, 0);
  return [0x67, ...writer.bytes()];
}

describe('H.264 key frames (RFC 6184)', () => {
  it('recognizes an IDR slice or an SPS as a single NAL unit', () => {
    expect(isH264KeyframeStart(rtp([0x65, 0x88, 0x84]))).toBe(true);
    expect(isH264KeyframeStart(rtp(baselineSps(640, 360)))).toBe(true);
    expect(isH264KeyframeStart(rtp([0x41, 0x9a, 0x02]))).toBe(false); // non-IDR slice
    expect(isH264KeyframeStart(rtp([0x68, 0xce, 0x3c, 0x80]))).toBe(false); // PPS alone
  });

  it('finds an SPS or IDR inside a STAP-A, and only the start fragment of an IDR FU-A', () => {
    const sps = baselineSps(1280, 720);
    const stap = [0x78, 0, sps.length, ...sps, 0, 4, 0x68, 0xce, 0x3c, 0x80];
    expect(isH264KeyframeStart(rtp(stap))).toBe(true);
    expect(isH264KeyframeStart(rtp([0x78, 0, 4, 0x68, 0xce, 0x3c, 0x80, 0, 2, 0x65, 0x88]))).toBe(true);
    expect(isH264KeyframeStart(rtp([0x78, 0, 4, 0x68, 0xce, 0x3c, 0x80]))).toBe(false);
    expect(isH264KeyframeStart(rtp([0x7c, 0x85, 0x88]))).toBe(true); // FU-A, S=1, IDR
    expect(isH264KeyframeStart(rtp([0x7c, 0x05, 0x88]))).toBe(false); // FU-A continuation
    expect(isH264KeyframeStart(rtp([0x7c, 0x81, 0x9a]))).toBe(false); // FU-A start of a P slice
  });

  it('rejects truncated aggregates and empty payloads', () => {
    expect(isH264KeyframeStart(rtp([]))).toBe(false);
    expect(isH264KeyframeStart(rtp([0x7c]))).toBe(false);
    expect(isH264KeyframeStart(rtp([0x78, 0, 9, 0x65]))).toBe(false);
    expect(isH264KeyframeStart(rtp([0x78, 0, 0, 0x65]))).toBe(false);
  });
});

describe('H.264 picture size from the SPS', () => {
  it.each([
    [640, 360],
    [1280, 720],
    [320, 180],
    [1920, 1080],
    [16, 16],
  ])('reads %i×%i from a baseline SPS, cropping included', (width, height) => {
    expect(readSpsSize(Buffer.from(baselineSps(width, height).slice(1)))).toEqual({ width, height });
    expect(h264KeyframeHeight(rtp(baselineSps(width, height)))).toBe(height);
  });

  it('reads the height from an SPS inside a STAP-A', () => {
    const sps = baselineSps(640, 480);
    expect(h264KeyframeHeight(rtp([0x78, 0, 4, 0x68, 0xce, 0x3c, 0x80, 0, sps.length, ...sps]))).toBe(480);
    expect(h264KeyframeHeight(rtp([0x65, 0x88]))).toBe(0);
  });

  it('walks a high-profile SPS with scaling lists and picture order type 1', () => {
    expect(readSpsSize(Buffer.from(highSps(1280, 720).slice(1)))).toEqual({ width: 1280, height: 720 });
  });

  it('removes emulation prevention bytes before reading', () => {
    // 16×16 with seq_parameter_set_id 0: the writer inserts 03 after the two zero bytes it produces.
    const sps = baselineSps(16, 16);
    expect(readSpsSize(Buffer.from(sps.slice(1)))).toEqual({ width: 16, height: 16 });
    const raw = Buffer.from([66, 0, 0, 3, 0]);
    expect(readSpsSize(raw)).toBeNull(); // truncated after the escape: no size, no throw
  });

  it('never throws and stays within bounds on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const size = readSpsSize(bytes);
        if (size) expect(size.width * size.height).toBeLessThanOrEqual(16384 * 16384);
        const packet = rtp([...bytes]);
        isH264KeyframeStart(packet);
        expect(h264KeyframeHeight(packet)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});
