import { describe, expect, it } from 'vitest';
import { fixWebmDuration, lastBlockTime, withDuration } from './webm-duration';

const el = (id: number[], content: number[]) => [...id, 0x80 | content.length, ...content];

/** A WebM head as Chrome's MediaRecorder writes it: live Segment (unknown size), Info without Duration. */
function liveWebm(): Uint8Array<ArrayBuffer> {
  const ebml = el([0x1a, 0x45, 0xdf, 0xa3], el([0x42, 0x82], [0x77, 0x65, 0x62, 0x6d]));
  const info = el(
    [0x15, 0x49, 0xa9, 0x66],
    [
      ...el([0x2a, 0xd7, 0xb1], [0x0f, 0x42, 0x40]), // TimecodeScale 1 000 000 (ms)
      ...el([0x4d, 0x80], [0x43, 0x68]), // MuxingApp "Ch"
    ],
  );
  const tracks = el([0x16, 0x54, 0xae, 0x6b], el([0xae], [0xd7, 0x81, 0x01]));
  // A cluster at 4000 ms with blocks at +0 and +300 ms.
  const cluster = [
    ...[0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ...el([0xe7], [0x0f, 0xa0]),
    ...el([0xa3], [0x81, 0x00, 0x00, 0x80, 0xaa]),
    ...el([0xa3], [0x81, 0x01, 0x2c, 0x80, 0xbb]),
  ];
  const segment = [0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  return new Uint8Array([...ebml, ...segment, ...info, ...tracks, ...cluster]);
}

function durationIn(bytes: Uint8Array): number | null {
  for (let i = 0; i + 11 <= bytes.length; i++) {
    if (bytes[i] === 0x44 && bytes[i + 1] === 0x89 && bytes[i + 2] === 0x88) {
      return new DataView(bytes.buffer, bytes.byteOffset + i + 3, 8).getFloat64(0);
    }
  }
  return null;
}

describe('WebM duration', () => {
  it('writes the duration into the Info of a live recording and keeps everything after it', async () => {
    const original = liveWebm();
    expect(durationIn(original)).toBeNull();
    expect(lastBlockTime(original)).toBe(4300);
    // The duration is what the blocks say (the last one plus a frame), not the measured time.
    const fixed = new Uint8Array(await (await fixWebmDuration(new Blob([original]), 9999)).arrayBuffer());
    expect(durationIn(fixed)).toBe(4340);
    // Tracks and the cluster follow unchanged.
    const tail = original.subarray(original.indexOf(0x16));
    expect([...fixed.subarray(fixed.length - tail.length)]).toEqual([...tail]);
    // Writing again replaces the duration rather than adding a second one.
    const again = withDuration(fixed, 1000);
    expect(again && durationIn(again.bytes)).toBe(1000);
    expect(again?.bytes.length).toBe(fixed.length - tail.length);
  });

  it('leaves what is not a live WebM file alone', async () => {
    const blob = new Blob([new Uint8Array([1, 2, 3, 4])]);
    expect(await fixWebmDuration(blob, 1000)).toBe(blob);
  });
});
