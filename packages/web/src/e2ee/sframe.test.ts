import { describe, expect, it } from 'vitest';
import {
  clearPrefixLength,
  decodeHeader,
  decryptFrame,
  deriveFrameKey,
  encodeHeader,
  encryptFrame,
  keyId,
  leafOf,
} from './sframe';

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const CAM = { sender: 'alice', source: 'camera' } as const;
const base = new Uint8Array(16).fill(7);
const otherBase = new Uint8Array(16).fill(8);

describe('sframe', () => {
  it('encodes short and long KIDs and counters', () => {
    for (const [kid, ctr] of [
      [0, 0],
      [7, 7],
      [8, 300],
      [keyId(49, 1234), 2 ** 40],
    ] as const) {
      expect(decodeHeader(encodeHeader(kid, ctr))).toEqual({ kid, ctr });
    }
    expect(leafOf(keyId(49, 1234))).toBe(49);
  });

  it('round-trips a VP8 keyframe, keeping exactly the 10 header bytes in clear', async () => {
    const frame = new Uint8Array(500).map((_, i) => (i * 31) & 0xfe);
    const kid = keyId(3, 5);
    const key = await deriveFrameKey(base, kid);
    const prefix = clearPrefixLength('video', frame);
    expect(prefix).toBe(10);
    const sealed = await encryptFrame(frame, prefix, key, kid, 42, CAM);
    expect(sealed.subarray(0, 10)).toEqual(frame.subarray(0, 10));
    expect(contains(sealed, frame.subarray(10, 60))).toBe(false);
    const opened = await decryptFrame(sealed, (k) => (k === kid ? key : null), CAM);
    expect(opened?.frame).toEqual(frame);
  });

  it('drops frames with a wrong key, a changed clear byte or a changed prefix length', async () => {
    const frame = Uint8Array.of(0x01, ...new Array(100).fill(9));
    expect(clearPrefixLength('video', frame)).toBe(1);
    expect(clearPrefixLength('audio', frame)).toBe(0);
    const kid = keyId(1, 1);
    const key = await deriveFrameKey(base, kid);
    const sealed = await encryptFrame(frame, 1, key, kid, 0, CAM);
    const wrong = await deriveFrameKey(otherBase, kid);
    expect(await decryptFrame(sealed, () => wrong, CAM)).toBeNull();
    const flipped = new Uint8Array(sealed);
    flipped[0] = 0x03;
    expect(await decryptFrame(flipped, () => key, CAM)).toBeNull();
    const relabelled = new Uint8Array(sealed);
    relabelled[relabelled.length - 4] = 0;
    expect(await decryptFrame(relabelled, () => key, CAM)).toBeNull();
    expect(await decryptFrame(frame, () => key, CAM)).toBeNull();
  });

  it('binds the sender and the source: the same frame read as another source or sender fails', async () => {
    const frame = Uint8Array.of(0x01, ...new Array(100).fill(5));
    const kid = keyId(2, 1);
    const key = await deriveFrameKey(base, kid);
    const sealed = await encryptFrame(frame, 1, key, kid, 9, CAM);
    expect((await decryptFrame(sealed, () => key, CAM))?.frame).toEqual(frame);
    expect(await decryptFrame(sealed, () => key, { sender: 'alice', source: 'screen' })).toBeNull();
    expect(await decryptFrame(sealed, () => key, { sender: 'bob', source: 'camera' })).toBeNull();
    const audio = await encryptFrame(frame, 0, key, kid, 10, { sender: 'alice', source: 'mic' });
    expect(await decryptFrame(audio, () => key, { sender: 'alice', source: 'screen-audio' })).toBeNull();
  });
});
